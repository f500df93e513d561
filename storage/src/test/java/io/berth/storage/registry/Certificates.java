package io.berth.storage.registry;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.List;

/** TLS material for test servers, made with {@code keytool}. */
final class Certificates {

    private Certificates() {
    }

    /** A self-signed server certificate and its key, as PEM files. */
    record ServerCertificate(Path certificatePem, Path keyPem) { }

    /** A self-signed certificate for {@code ip} (as subject alternative name), valid two days. */
    static ServerCertificate selfSigned(Path dir, String ip) throws Exception {
        Files.createDirectories(dir);
        Path keystore = dir.resolve("server.p12");
        Path cert = dir.resolve("server.pem");
        Path key = dir.resolve("server.key");
        DockerRegistry.run(List.of("keytool", "-genkeypair", "-keyalg", "RSA", "-keysize", "2048", "-alias", "server",
                "-dname", "CN=" + ip, "-ext", "san=ip:" + ip, "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "changeit", "-keypass", "changeit"));
        DockerRegistry.run(List.of("keytool", "-exportcert", "-rfc", "-alias", "server", "-keystore", keystore.toString(),
                "-storepass", "changeit", "-file", cert.toString()));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        PrivateKey privateKey = (PrivateKey) ks.getKey("server", "changeit".toCharArray());
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(privateKey.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        Files.writeString(key, pem);
        return new ServerCertificate(cert, key);
    }
}
