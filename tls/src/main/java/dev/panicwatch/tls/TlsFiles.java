package dev.panicwatch.tls;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a server's certificate chain and private key are: PEM files as a CA or {@code certbot} hands them out
 * ({@code fullchain.pem} and {@code privkey.pem}). Both or neither: a certificate without its key (or the other way
 * round) is a mistake that must stop start-up, not quietly fall back to plain HTTP.
 *
 * @param certificate the server certificate, followed by any intermediate certificates
 * @param privateKey  its private key (PKCS#8 or PKCS#1/SEC1, unencrypted)
 */
public record TlsFiles(Path certificate, Path privateKey) {

    /**
     * The files named by a server's options, or empty when neither is given.
     *
     * @param certificateName how the user names the certificate option, e.g. {@code --tls-cert / PANICWATCH_INGEST_TLS_CERT}
     * @param keyName         how the user names the key option
     * @throws IllegalArgumentException naming the option that is missing or the file that cannot be read
     */
    public static Optional<TlsFiles> of(String certificateName, String certificate, String keyName, String key) {
        boolean hasCertificate = certificate != null && !certificate.isBlank();
        boolean hasKey = key != null && !key.isBlank();
        if (!hasCertificate && !hasKey) {
            return Optional.empty();
        }
        if (!hasKey) {
            throw new IllegalArgumentException(certificateName + " is set but " + keyName
                    + " is not: HTTPS needs the private key of the certificate too");
        }
        if (!hasCertificate) {
            throw new IllegalArgumentException(keyName + " is set but " + certificateName
                    + " is not: HTTPS needs the certificate (chain) of the key too");
        }
        return Optional.of(new TlsFiles(readable(certificateName, certificate), readable(keyName, key)));
    }

    private static Path readable(String name, String file) {
        Path path = Path.of(file.trim());
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException(name + " = " + path + ": no such file");
        }
        if (!Files.isReadable(path)) {
            throw new IllegalArgumentException(name + " = " + path + ": not readable by this user");
        }
        return path;
    }
}
