package dev.panicwatch.tls;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * Whom Panicwatch's HTTPS clients (the CLI's queries, one streams instance asking another) trust: the JVM's own
 * certificate authorities, or, when {@value #CA_FILE_ENV} (or a {@code --ca-file} flag) names a PEM file, only the
 * CAs in it, as the guest agent's {@code curl --cacert} does. Host names are always checked (the JDK client does so
 * for every HTTPS request).
 */
public final class ClientTrust {

    /** The variable every Panicwatch client reads: the guest agent, the CLI and the streams app. */
    public static final String CA_FILE_ENV = "PANICWATCH_CA_FILE";
    /** The environment variables this module reads. */
    public static final java.util.Set<String> ENVIRONMENT_NAMES = java.util.Set.of(CA_FILE_ENV);

    private final Optional<Path> caFile;
    private final SSLContext context;

    private ClientTrust(Optional<Path> caFile, SSLContext context) {
        this.caFile = caFile;
        this.context = context;
    }

    /** The JVM's trusted CAs. */
    public static ClientTrust system() {
        try {
            return new ClientTrust(Optional.empty(), SSLContext.getDefault());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no TLS implementation", e);
        }
    }

    /** From {@value #CA_FILE_ENV}; the JVM's CAs when it is unset or empty. */
    public static ClientTrust fromEnvironment(Map<String, String> environment) {
        return fromCaFile(CA_FILE_ENV, environment.get(CA_FILE_ENV));
    }

    /**
     * Only the CAs in {@code file} (PEM, one or more certificates), or the JVM's when it is null or blank.
     *
     * @param optionName how the user named the file, for the error message
     * @throws IllegalArgumentException when the file cannot be read or holds no certificate
     */
    public static ClientTrust fromCaFile(String optionName, String file) {
        if (file == null || file.isBlank()) {
            return system();
        }
        Path path = Path.of(file.trim());
        Collection<? extends Certificate> authorities;
        try (InputStream in = Files.newInputStream(path)) {
            authorities = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException e) {
            throw new IllegalArgumentException(optionName + " = " + path + ": cannot read it (" + e + ")", e);
        } catch (CertificateException e) {
            throw new IllegalArgumentException(optionName + " = " + path + " is not a PEM file of CA certificates: "
                    + e.getMessage(), e);
        }
        if (authorities.isEmpty()) {
            throw new IllegalArgumentException(optionName + " = " + path
                    + " holds no certificate (expected -----BEGIN CERTIFICATE-----)");
        }
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            for (Certificate authority : authorities) {
                store.setCertificateEntry("ca-" + n++, authority);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return new ClientTrust(Optional.of(path), context);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a trust store from " + path + ": " + e, e);
        }
    }

    public SSLContext sslContext() {
        return context;
    }

    /** A JDK HTTP client builder that trusts these CAs (HTTP/1.1, like the servers). */
    public HttpClient.Builder httpClient() {
        return HttpClient.newBuilder().sslContext(context).version(HttpClient.Version.HTTP_1_1);
    }

    /** Which CAs are trusted, for messages. */
    public String describe() {
        return caFile.map(f -> "the CAs in " + f + " (" + CA_FILE_ENV + ")")
                .orElse("the JVM's trusted CAs (set " + CA_FILE_ENV + " or --ca-file to a PEM file to trust your own CA)");
    }

    /**
     * What went wrong with TLS in {@code failure}, in words a user can act on, or empty when it was no TLS problem.
     *
     * @param url the URL that was asked
     */
    public Optional<String> explain(IOException failure, String url) {
        String messages = messages(failure);
        if (has(failure, CertificateExpiredException.class) || messages.contains("NotAfter")) {
            return Optional.of("the server's TLS certificate at " + url + " has expired; renew it on the server");
        }
        if (has(failure, CertificateNotYetValidException.class) || messages.contains("NotBefore")) {
            return Optional.of("the server's TLS certificate at " + url + " is not valid yet (check both clocks)");
        }
        if (messages.contains("No subject alternative") || messages.contains("No name matching")) {
            return Optional.of("the server's TLS certificate does not name the host of " + url
                    + " (the certificate must list that name or address; " + firstLine(messages) + ")");
        }
        if (messages.contains("PKIX path") || messages.contains("unable to find valid certification path")) {
            return Optional.of("the server's TLS certificate at " + url + " is not signed by a CA this client "
                    + "trusts; trusted are " + describe());
        }
        if (messages.contains("Unsupported or unrecognized SSL message")) {
            return Optional.of(url + " does not answer with TLS (is it a plain http:// server?)");
        }
        if (has(failure, SSLException.class)) {
            return Optional.of("TLS with " + url + " failed: " + firstLine(messages));
        }
        return Optional.empty();
    }

    private static boolean has(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String messages(Throwable failure) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                all.append(t.getMessage()).append('\n');
            }
        }
        return all.toString();
    }

    private static String firstLine(String messages) {
        int end = messages.indexOf('\n');
        return end < 0 ? messages : messages.substring(0, end);
    }

    @Override
    public String toString() {
        return "ClientTrust[" + caFile.map(Path::toString).orElse("system") + "]";
    }
}
