package io.berth.ops.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.berth.scheduler.cluster.BerthCluster;
import io.berth.scheduler.cluster.ClusterSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.event.Logging;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes on 127.0.0.1 with Artery over TLS: those with certificates from the cluster's CA form a cluster; one with a
 * certificate from another CA, one whose certificate does not name its address, and one talking plain TCP never
 * become members, and the handshake failures are logged.
 */
class TlsClusterTest {
    static final Config TEST_CONFIG = ConfigFactory.parseString("""
            pekko.loglevel = WARNING
            pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
            pekko.cluster.gossip-interval = 200ms
            pekko.cluster.leader-actions-interval = 200ms
            pekko.cluster.periodic-tasks-initial-delay = 100ms
            pekko.cluster.seed-node-timeout = 1s
            pekko.cluster.retry-unsuccessful-join-after = 1s
            pekko.coordinated-shutdown.run-by-actor-system-terminate = off
            pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
            """);

    @TempDir
    Path tmp;

    private final List<ActorSystem<Void>> systems = new ArrayList<>();

    @AfterEach
    void stop() {
        systems.forEach(ActorSystem::terminate);
        systems.forEach(s -> s.getWhenTerminated().toCompletableFuture().join());
    }

    @Test
    void nodesWithCertificatesOfTheClusterCaFormACluster_othersNeverJoin() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create(tmp.resolve("pki"), "test CA", Duration.ofDays(2), false);
        CertificateAuthority other = CertificateAuthority.create(tmp.resolve("other"), "other CA", Duration.ofDays(2),
                false);
        int seedPort = freePort();
        String seed = "127.0.0.1:" + seedPort;
        List<ActorSystem<Void>> members = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path dir = ca.issue("node" + i, List.of("127.0.0.1"), Duration.ofDays(1), false);
            members.add(start("node" + i, i == 0 ? seedPort : freePort(), seed, tls(dir)));
        }
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
            for (ActorSystem<Void> s : members) {
                assertThat(upMembers(s)).hasSize(3);
            }
        });
        assertThat(members.get(0).settings().config().getString("pekko.remote.artery.transport")).isEqualTo("tls-tcp");

        Queue<String> seedLog = logOf(members.get(0));
        ActorSystem<Void> stranger = start("stranger", freePort(), seed,
                tls(other.issue("stranger", List.of("127.0.0.1"), Duration.ofDays(1), false)));
        ActorSystem<Void> plain = start("plain", freePort(), seed, ConfigFactory.empty());
        // the right CA, but its certificate does not name the address the others reach it at
        ActorSystem<Void> misnamed = start("misnamed", freePort(), seed,
                tls(ca.issue("misnamed", List.of("10.9.9.9"), Duration.ofDays(1), false)));
        Queue<String> strangerLog = logOf(stranger);
        // long enough for several join attempts (retry-unsuccessful-join-after 1s)
        Thread.sleep(8_000);
        for (ActorSystem<Void> s : members) {
            assertThat(upMembers(s)).as("members in %s's view", s.address()).hasSize(3)
                    .allMatch(m -> members.stream().anyMatch(member -> member.address().equals(m.address())));
        }
        for (ActorSystem<Void> outsider : List.of(stranger, plain, misnamed)) {
            assertThat(Cluster.get(outsider).selfMember().status()).as(outsider.address().toString())
                    .isNotEqualTo(MemberStatus.up());
        }
        List<String> log = new ArrayList<>(seedLog);
        log.addAll(strangerLog);
        assertThat(log).as("warnings of the seed and the stranger")
                .anyMatch(line -> line.contains("SSLHandshakeException") && line.contains("certification path"))
                .anyMatch(line -> line.contains("127.0.0.1") && line.contains("subject alternative names"));
    }

    private ActorSystem<Void> start(String name, int port, String seed, Config tls) {
        ClusterSettings settings = new ClusterSettings(name, "127.0.0.1", port, EnumSet.of(ClusterSettings.Role.AGENT),
                List.of(seed), tmp.resolve(name), false);
        ActorSystem<Void> system = BerthCluster.start(settings, Behaviors.empty(), tls.withFallback(TEST_CONFIG));
        systems.add(system);
        return system;
    }

    static Config tls(Path nodeDir) {
        return ConfigFactory.empty().withValue("berth.tls.enabled", ConfigValueFactory.fromAnyRef(true))
                .withValue("berth.tls.dir", ConfigValueFactory.fromAnyRef(nodeDir.toString()));
    }

    private static List<Member> upMembers(ActorSystem<?> system) {
        return StreamSupport.stream(Cluster.get(system).state().getMembers().spliterator(), false)
                .filter(m -> m.status() == MemberStatus.up()).toList();
    }

    /** Every warning and error the system logs from now on, with its cause. */
    static Queue<String> logOf(ActorSystem<?> system) {
        Queue<String> lines = new ConcurrentLinkedQueue<>();
        ActorRef<Logging.LogEvent> collector = system.systemActorOf(Behaviors.<Logging.LogEvent>receiveMessage(e -> {
            lines.add(e.message() + (e instanceof Logging.Error error ? " " + error.cause() : ""));
            return Behaviors.same();
        }), "log-collector", Props.empty());
        system.eventStream().tell(new EventStream.Subscribe<>(Logging.Warning.class, collector.narrow()));
        system.eventStream().tell(new EventStream.Subscribe<>(Logging.Error.class, collector.narrow()));
        return lines;
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
