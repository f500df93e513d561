package io.berth.storage.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS for a client that talks to a server whose certificate comes from a private CA: it trusts the system's CAs
 * and those of a PEM file. Shared by the registry client and the command line's API client.
 */
public final class CaTrust {

    private CaTrust() {}

    /**
     * An SSL context trusting the JVM's default CAs plus every certificate in {@code pemFile}.
     *
     * @param pemFile one or more PEM certificates; not null
     * @throws IllegalArgumentException when the file does not exist, holds no certificate or cannot be read; the
     *                                  message starts with the file's path, so a caller can name its option first
     */
    public static SSLContext systemAnd(Path pemFile) {
        if (!Files.isRegularFile(pemFile)) {
            throw new IllegalArgumentException(pemFile + ": no such file");
        }
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            system.init((KeyStore) null);
            int n = 0;
            for (TrustManager tm : system.getTrustManagers()) {
                if (tm instanceof X509TrustManager x509) {
                    for (X509Certificate ca : x509.getAcceptedIssuers()) {
                        trust.setCertificateEntry("system-" + n++, ca);
                    }
                }
            }
            Collection<? extends Certificate> given;
            try (InputStream in = Files.newInputStream(pemFile)) {
                given = CertificateFactory.getInstance("X.509").generateCertificates(in);
            }
            if (given.isEmpty()) {
                throw new IllegalArgumentException(pemFile + ": holds no PEM certificate");
            }
            for (Certificate ca : given) {
                trust.setCertificateEntry("given-" + n++, ca);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(pemFile + ": cannot be used as CA certificates: " + e.getMessage(), e);
        }
    }
}
