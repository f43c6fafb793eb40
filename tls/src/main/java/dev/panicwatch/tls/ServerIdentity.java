package dev.panicwatch.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import nl.altindag.ssl.pem.util.PemUtils;

/**
 * A certificate chain and its private key, read from PEM text and checked before a server uses them: the key must
 * be the certificate's, so a half-renewed pair (new certificate, old key) is refused instead of breaking every
 * handshake. The PEM text is kept so that exactly what was checked is what the server loads.
 *
 * @param certificatePem the chain as read
 * @param privateKeyPem  the key as read
 * @param leaf           the server certificate (the first of the chain)
 * @param fingerprint    a digest of both texts, to notice when the files change
 */
public record ServerIdentity(String certificatePem, String privateKeyPem, X509Certificate leaf, String fingerprint) {

    /**
     * Reads and checks {@code files}.
     *
     * @throws InvalidIdentityException naming the file and what is wrong with it
     */
    public static ServerIdentity read(TlsFiles files) {
        String certificatePem = text(files.certificate());
        String keyPem = text(files.privateKey());
        List<X509Certificate> chain;
        try {
            chain = PemUtils.parseCertificate(certificatePem);
        } catch (RuntimeException e) {
            throw new InvalidIdentityException(files.certificate() + " holds no readable PEM certificate: "
                    + e.getMessage(), e);
        }
        if (chain.isEmpty()) {
            throw new InvalidIdentityException(files.certificate()
                    + " holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)", null);
        }
        PrivateKey key;
        try {
            key = PemUtils.parsePrivateKey(keyPem);
        } catch (RuntimeException e) {
            throw new InvalidIdentityException(files.privateKey() + " holds no readable unencrypted PEM private key: "
                    + e.getMessage(), e);
        }
        X509Certificate leaf = chain.get(0);
        if (!belongsTo(key, leaf)) {
            throw new InvalidIdentityException(files.privateKey() + " is not the private key of the certificate in "
                    + files.certificate() + " (" + leaf.getSubjectX500Principal().getName() + ")", null);
        }
        return new ServerIdentity(certificatePem, keyPem, leaf, fingerprint(certificatePem, keyPem));
    }

    /** The files' current fingerprint, without checking them (cheap enough to poll). */
    static String fingerprint(TlsFiles files) throws IOException {
        return fingerprint(Files.readString(files.certificate(), StandardCharsets.US_ASCII),
                Files.readString(files.privateKey(), StandardCharsets.US_ASCII));
    }

    /** One line for the log: whom the certificate names, who signed it, until when. */
    public String describe(Clock clock) {
        Instant notAfter = leaf.getNotAfter().toInstant();
        String validity = clock.instant().isAfter(notAfter) ? "EXPIRED on " + notAfter : "valid until " + notAfter;
        return "certificate for " + names() + " issued by " + leaf.getIssuerX500Principal().getName() + ", "
                + validity;
    }

    /** The DNS names and IP addresses the certificate is valid for (its subject alternative names). */
    public List<String> names() {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> alternatives = leaf.getSubjectAlternativeNames();
            if (alternatives != null) {
                // 2 = dNSName, 7 = iPAddress (RFC 5280 GeneralName tags)
                alternatives.stream().filter(a -> a.get(0) instanceof Integer type && (type == 2 || type == 7))
                        .forEach(a -> names.add(String.valueOf(a.get(1))));
            }
        } catch (CertificateParsingException e) {
            names.add("(unreadable subject alternative names)");
        }
        if (names.isEmpty()) {
            names.add(leaf.getSubjectX500Principal().getName());
        }
        return names;
    }

    private static String text(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new InvalidIdentityException(file + " is not a PEM text file (it holds non-ASCII bytes; a DER or "
                    + "PKCS#12 file must be converted to PEM first)", e);
        } catch (IOException e) {
            throw new InvalidIdentityException("cannot read " + file + ": " + e, e);
        }
    }

    /** Signs a random challenge with the key and verifies it with the certificate's public key. */
    private static boolean belongsTo(PrivateKey key, X509Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            // BouncyCastle, which reads the PEM, names EC keys "ECDSA".
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            // An algorithm this check does not know: let the handshake decide.
            return true;
        }
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String fingerprint(String certificatePem, String keyPem) {
        try {
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            digest.update(certificatePem.getBytes(StandardCharsets.US_ASCII));
            digest.update((byte) 0);
            digest.update(keyPem.getBytes(StandardCharsets.US_ASCII));
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public String toString() {
        // Never print the key.
        return "ServerIdentity[" + leaf.getSubjectX500Principal().getName() + ", names=" + names() + "]";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ServerIdentity that && fingerprint.equals(that.fingerprint);
    }

    @Override
    public int hashCode() {
        return fingerprint.hashCode();
    }

    /** The certificate or key cannot be used; the message names the file and the problem. */
    public static final class InvalidIdentityException extends RuntimeException {
        InvalidIdentityException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
