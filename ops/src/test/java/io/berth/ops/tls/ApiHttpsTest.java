package io.berth.ops.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.berth.ops.Berth;
import io.berth.protocol.cluster.SchedulerCommand;
import io.berth.scheduler.api.ApiServer;
import io.berth.scheduler.api.ApiSettings;
import io.berth.scheduler.cluster.BerthCluster;
import io.berth.scheduler.cluster.ClusterSettings;
import io.berth.scheduler.cluster.TlsSettings;
import io.berth.scheduler.control.SchedulerSingleton;
import io.berth.scheduler.jobs.JobStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code berth.tls.api}: the API answers over HTTPS with the node's certificate, and not in plain HTTP. */
class ApiHttpsTest {
    @TempDir
    Path tmp;

    @Test
    void theApiAnswersOverHttpsToClientsTrustingTheCaAndRefusesPlainHttp() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create(tmp.resolve("pki"), "test CA", Duration.ofDays(2), false);
        Path node = ca.issue("api", List.of("127.0.0.1"), Duration.ofDays(1), false);
        Config config = ConfigFactory.parseString("berth.tls { enabled = on, api = on, dir = \"" + node + "\" }")
                .withFallback(TlsClusterTest.TEST_CONFIG);
        ActorSystem<Void> system = BerthCluster.start(new ClusterSettings("api", "127.0.0.1", 0,
                EnumSet.allOf(ClusterSettings.Role.class), List.of(), tmp.resolve("data"), false),
                Behaviors.empty(), config);
        ApiServer server = null;
        try {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> Cluster.get(system).selfMember().status() == MemberStatus.up());
            ActorRef<JobStore.Command> jobs = system.systemActorOf(JobStore.create(), "job-store", Props.empty());
            ActorRef<SchedulerCommand> scheduler = SchedulerSingleton.init(system, jobs);
            server = ApiServer.start(system, ApiSettings.loopback(0), jobs, scheduler);
            int port = server.address().getPort();
            assertThat(server.url()).isEqualTo("https://127.0.0.1:" + port);

            HttpClient trusting = HttpClient.newBuilder().sslContext(trusting(node))
                    .connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> jobsList = trusting.send(get("https://127.0.0.1:" + port + "/v1/jobs"),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(jobsList.statusCode()).isEqualTo(200);
            assertThat(jobsList.body()).contains("\"jobs\"");

            // the command line trusts the CA's PEM file berth tls wrote
            CommandLine cli = Berth.commandLine();
            StringWriter out = new StringWriter();
            cli.setOut(new PrintWriter(out));
            assertThat(cli.execute("job", "ls", "--address", server.url(), "--ca-file",
                    node.resolve("ca.crt").toString())).isZero();

            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertThatThrownBy(() -> plain.send(get("http://127.0.0.1:" + port + "/v1/jobs"),
                    HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
            // the JDK's default trust does not know the cluster's CA
            assertThatThrownBy(() -> plain.send(get("https://127.0.0.1:" + port + "/v1/jobs"),
                    HttpResponse.BodyHandlers.ofString())).isInstanceOf(SSLHandshakeException.class);
        } finally {
            if (server != null) {
                server.close();
            }
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().join();
        }
    }

    private static HttpRequest get(String uri) {
        return HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(10)).build();
    }

    /** A client context that trusts the node directory's CA (as {@code curl --cacert ca.crt}). */
    private static SSLContext trusting(Path node) throws Exception {
        char[] password = Files.readString(node.resolve(TlsSettings.PASSWORD)).strip().toCharArray();
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(node.resolve(TlsSettings.TRUST_STORE))) {
            trust.load(in, password);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }
}
