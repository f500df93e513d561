package io.berth.scheduler.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A node's TLS material: a directory made by {@code berth tls init} or {@code berth tls cert} with the node's key
 * and certificate ({@value #KEY_STORE}), the cluster's CA ({@value #TRUST_STORE}), both PKCS#12, and the password
 * of both ({@value #PASSWORD}). Read from {@code berth.tls} (see the scheduler's reference.conf).
 *
 * <p>With TLS on, Artery runs as {@code tls-tcp}: TLSv1.3 only, both sides present a certificate signed by the
 * cluster's CA (mutual authentication), and a connecting node checks that the other's certificate names the
 * address it connects to (hostname verification against the certificate's subject alternative names). A node
 * without such a certificate cannot join.
 *
 * @param dir        the node's directory
 * @param cluster    whether Artery runs over TLS
 * @param api        whether the HTTP API is served over HTTPS with the node's certificate
 */
public record TlsSettings(Path dir, boolean cluster, boolean api) {
    /** The node's key and certificate chain (PKCS#12, one key entry). */
    public static final String KEY_STORE = "node.p12";
    /** The cluster's CA certificate (PKCS#12, one trusted certificate entry). */
    public static final String TRUST_STORE = "truststore.p12";
    /** The password of both stores, one line. */
    public static final String PASSWORD = "password";
    /** The only protocol spoken between nodes: every node runs the same Berth, so no older one is needed. */
    public static final String PROTOCOL = "TLSv1.3";

    /** No TLS: plain TCP between nodes and HTTP for the API. */
    public static TlsSettings off() {
        return new TlsSettings(null, false, false);
    }

    /**
     * The settings under {@code berth.tls}; when either use is on, checks that the directory holds the three files.
     *
     * @throws IllegalArgumentException naming the setting or file that is wrong
     */
    public static TlsSettings fromConfig(Config config) {
        Config c = config.withFallback(ConfigFactory.parseString("berth.tls { enabled = off, api = off, dir = \"\" }"))
                .getConfig("berth.tls");
        boolean cluster = c.getBoolean("enabled");
        boolean api = c.getBoolean("api");
        if (!cluster && !api) {
            return off();
        }
        String dir = c.getString("dir");
        if (dir.isBlank()) {
            throw new IllegalArgumentException("berth.tls.dir: required when berth.tls.enabled or berth.tls.api is on: "
                    + "a node directory made by `berth tls init` or `berth tls cert`");
        }
        Path d = Path.of(dir).toAbsolutePath();
        for (String file : List.of(KEY_STORE, TRUST_STORE, PASSWORD)) {
            if (!Files.isRegularFile(d.resolve(file))) {
                throw new IllegalArgumentException("berth.tls.dir: " + d + " has no " + file
                        + ": give the directory `berth tls cert` made for this node (DIR/nodes/NAME)");
            }
        }
        return new TlsSettings(d, cluster, api);
    }

    /** The password of the node's stores. */
    public char[] password() {
        try {
            return Files.readString(dir.resolve(PASSWORD), StandardCharsets.UTF_8).strip().toCharArray();
        } catch (IOException e) {
            throw new IllegalArgumentException("berth.tls.dir: cannot read " + dir.resolve(PASSWORD) + ": " + e, e);
        }
    }

    /** Pekko settings for Artery over TLS with mutual authentication; empty when the cluster runs plain TCP. */
    public Config arteryConfig() {
        if (!cluster) {
            return ConfigFactory.empty();
        }
        String password = new String(password());
        String engine = "pekko.remote.artery.ssl.config-ssl-engine.";
        return ConfigFactory.empty()
                .withValue("pekko.remote.artery.transport", ConfigValueFactory.fromAnyRef("tls-tcp"))
                .withValue("pekko.remote.artery.ssl.ssl-engine-provider",
                        ConfigValueFactory.fromAnyRef("org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider"))
                .withValue(engine + "key-store", ConfigValueFactory.fromAnyRef(dir.resolve(KEY_STORE).toString()))
                .withValue(engine + "trust-store", ConfigValueFactory.fromAnyRef(dir.resolve(TRUST_STORE).toString()))
                .withValue(engine + "key-store-password", ConfigValueFactory.fromAnyRef(password))
                .withValue(engine + "key-password", ConfigValueFactory.fromAnyRef(password))
                .withValue(engine + "trust-store-password", ConfigValueFactory.fromAnyRef(password))
                .withValue(engine + "protocol", ConfigValueFactory.fromAnyRef(PROTOCOL))
                .withValue(engine + "enabled-algorithms",
                        ConfigValueFactory.fromIterable(List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384")))
                .withValue(engine + "require-mutual-authentication", ConfigValueFactory.fromAnyRef(true))
                .withValue(engine + "hostname-verification", ConfigValueFactory.fromAnyRef(true));
    }

    /**
     * A server context presenting the node's certificate (the API over HTTPS; clients authenticate with tokens,
     * not certificates). TLSv1.3 and TLSv1.2: HTTP clients are not all as new as the nodes.
     *
     * @throws IllegalArgumentException when the key store cannot be read
     */
    public SSLContext serverContext() {
        char[] password = password();
        try (InputStream in = Files.newInputStream(dir.resolve(KEY_STORE))) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(in, password);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("berth.tls.dir: cannot load " + dir.resolve(KEY_STORE) + ": " + e, e);
        }
    }
}
