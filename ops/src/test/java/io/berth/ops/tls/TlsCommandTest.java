package io.berth.ops.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.berth.ops.Berth;
import io.berth.scheduler.cluster.TlsSettings;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code berth tls init} and {@code berth tls cert}: what they write, and what they refuse. */
class TlsCommandTest {
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

    @TempDir
    Path tmp;

    private final StringWriter err = new StringWriter();

    @Test
    void initMakesACaAndANodeCertificateWithItsNamesBothUsesAndValidity() throws Exception {
        Path dir = tmp.resolve("pki");
        assertThat(run("tls", "init", "--dir", dir.toString(), "--node", "node-1", "--san", "127.0.0.1",
                "--san", "::1,Node1.Example.com", "--days", "30")).isZero();

        Path node = dir.resolve("nodes/node-1");
        char[] password = Files.readString(node.resolve(TlsSettings.PASSWORD)).strip().toCharArray();
        KeyStore keys = load(node.resolve(TlsSettings.KEY_STORE), password);
        X509Certificate cert = (X509Certificate) keys.getCertificate("node");
        X509Certificate ca = (X509Certificate) load(node.resolve(TlsSettings.TRUST_STORE), password)
                .getCertificate("berth-ca");
        assertThat(keys.getKey("node", password)).isNotNull();
        cert.verify(ca.getPublicKey());
        ca.verify(ca.getPublicKey());
        assertThat(cert.getSubjectX500Principal().getName()).contains("CN=node-1");
        assertThat(cert.getSubjectAlternativeNames()).containsExactly(
                List.of(7, "127.0.0.1"), List.of(7, "0:0:0:0:0:0:0:1"), List.of(2, "node1.example.com"));
        assertThat(cert.getExtendedKeyUsage()).containsExactlyInAnyOrder(SERVER_AUTH, CLIENT_AUTH);
        assertThat(cert.getBasicConstraints()).isEqualTo(-1);
        assertThat(cert.getKeyUsage()[0]).as("digitalSignature").isTrue();
        assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(ca.getKeyUsage()[5]).as("keyCertSign").isTrue();
        assertThat(cert.getNotAfter().toInstant()).isBetween(Instant.now().plus(Duration.ofDays(30)).minusSeconds(120),
                Instant.now().plus(Duration.ofDays(30)));
        assertThat(cert.getNotBefore().toInstant()).isBefore(Instant.now());
        assertThat(ca.getNotAfter().toInstant()).isAfter(Instant.now().plus(Duration.ofDays(3649)));
        assertThat(Files.readString(node.resolve("ca.crt"))).startsWith("-----BEGIN CERTIFICATE-----");

        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.toList()) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).as(p.toString())
                        .isEqualTo(Files.isDirectory(p) ? "rwx------" : "rw-------");
            }
        }
        // what a node reads from it
        TlsSettings settings = TlsSettings.fromConfig(ConfigFactory.parseString(
                "berth.tls { enabled = on, dir = \"" + node + "\" }"));
        assertThat(settings.arteryConfig().getString("pekko.remote.artery.transport")).isEqualTo("tls-tcp");
        assertThat(settings.arteryConfig().getBoolean(
                "pekko.remote.artery.ssl.config-ssl-engine.require-mutual-authentication")).isTrue();
    }

    @Test
    void certAddsANodeToTheCaAndReplacesOneOnlyWithForce() throws Exception {
        Path dir = tmp.resolve("pki");
        assertThat(run("tls", "init", "--dir", dir.toString())).isZero();
        byte[] caBefore = Files.readAllBytes(dir.resolve("ca/ca.p12"));
        assertThat(run("tls", "init", "--dir", dir.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("ca.p12 exists").contains("--force");
        assertThat(Files.readAllBytes(dir.resolve("ca/ca.p12"))).isEqualTo(caBefore);

        assertThat(run("tls", "cert", "--dir", dir.toString(), "--node", "b", "--san", "10.0.0.2")).isZero();
        X509Certificate first = nodeCert(dir.resolve("nodes/b"));
        assertThat(run("tls", "cert", "--dir", dir.toString(), "--node", "b", "--san", "10.0.0.2")).isEqualTo(2);
        assertThat(err.toString()).contains("node b has a certificate");
        assertThat(nodeCert(dir.resolve("nodes/b"))).isEqualTo(first);
        assertThat(run("tls", "cert", "--dir", dir.toString(), "--node", "b", "--san", "10.0.0.3", "--force"))
                .isZero();
        X509Certificate second = nodeCert(dir.resolve("nodes/b"));
        assertThat(second.getSerialNumber()).isNotEqualTo(first.getSerialNumber());
        assertThat(second.getSubjectAlternativeNames()).containsExactly(List.of(7, "10.0.0.3"));
        second.verify(CertificateAuthority.load(dir).certificate().getPublicKey());
    }

    @Test
    void badInputIsRefusedNamingTheOption() throws Exception {
        Path dir = tmp.resolve("pki");
        assertThat(run("tls", "cert", "--dir", dir.toString(), "--node", "a", "--san", "127.0.0.1")).isEqualTo(2);
        assertThat(err.toString()).contains("has no CA").contains("berth tls init");
        assertThat(run("tls", "init", "--dir", dir.toString(), "--ca-days", "10")).isZero();
        for (String[] bad : List.of(new String[] {"--san", "300.1.1.1"}, new String[] {"--san", "not a host"},
                new String[] {"--san", "1.2.3"}, new String[] {"--san", "fe80::zz"}, new String[0],
                new String[] {"--san", "10.0.0.1", "--days", "11"}, new String[] {"--san", "10.0.0.1", "--days", "0"})) {
            String[] args = Stream.concat(Stream.of("tls", "cert", "--dir", dir.toString(), "--node", "a"),
                    Stream.of(bad)).toArray(String[]::new);
            assertThat(run(args)).as(String.join(" ", bad)).isEqualTo(2);
            assertThat(err.toString()).contains(bad.length > 2 ? "--days" : "--san");
        }
        assertThat(run("tls", "cert", "--dir", dir.toString(), "--node", "../x", "--san", "10.0.0.1")).isEqualTo(2);
        assertThat(err.toString()).contains("--node");
        assertThat(dir.resolve("nodes")).doesNotExist();

        assertThatThrownBy(() -> TlsSettings.fromConfig(ConfigFactory.parseString(
                "berth.tls { enabled = on, dir = \"" + dir.resolve("ca") + "\" }")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("berth.tls.dir")
                .hasMessageContaining(TlsSettings.KEY_STORE);
        assertThatThrownBy(() -> TlsSettings.fromConfig(ConfigFactory.parseString("berth.tls.api = on")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("berth.tls.dir: required");
    }

    @Test
    void serverFlagsTurnTlsOnAndNameTheDirectoryWhenItIsWrong() {
        Path data = tmp.resolve("data");
        assertThat(run("server", "--tls-dir", tmp.resolve("missing").toString(), "--data-dir", data.toString(),
                "--bind", "127.0.0.1:0", "--api", "127.0.0.1:0")).isEqualTo(2);
        assertThat(err.toString()).contains("berth.tls.dir").contains("missing").contains(TlsSettings.KEY_STORE);
        assertThat(run("server", "--api-https", "--data-dir", data.toString(), "--bind", "127.0.0.1:0",
                "--api", "127.0.0.1:0")).isEqualTo(2);
        assertThat(err.toString()).contains("berth.tls.dir: required");
    }

    private int run(String... args) {
        err.getBuffer().setLength(0);
        CommandLine cli = Berth.commandLine();
        cli.setOut(new PrintWriter(new StringWriter()));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private static X509Certificate nodeCert(Path node) throws Exception {
        char[] password = Files.readString(node.resolve(TlsSettings.PASSWORD)).strip().toCharArray();
        return (X509Certificate) load(node.resolve(TlsSettings.KEY_STORE), password).getCertificate("node");
    }

    private static KeyStore load(Path file, char[] password) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password);
        }
        return ks;
    }
}
