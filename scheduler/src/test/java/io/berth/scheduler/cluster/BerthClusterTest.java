package io.berth.scheduler.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BerthClusterTest {
    @TempDir
    Path dir;

    @Test
    void aNodeWithoutSeedsFormsAClusterOfItsOwn() {
        ClusterSettings settings = new ClusterSettings("solo", "127.0.0.1", 0,
                EnumSet.allOf(ClusterSettings.Role.class), List.of(), dir, false);
        ActorSystem<Void> system = BerthCluster.start(settings, Behaviors.empty(), TestNodes.TEST_CONFIG);
        try {
            Cluster cluster = Cluster.get(system);
            await().atMost(Duration.ofSeconds(20)).until(() -> cluster.selfMember().status() == MemberStatus.up());
            assertThat(cluster.selfMember().getRoles()).contains("scheduler", "agent");
            assertThat(cluster.state().getMembers()).singleElement().extracting(m -> m.address()).isEqualTo(cluster.selfMember().address());
        } finally {
            system.terminate();
            await().atMost(Duration.ofSeconds(20)).until(() -> system.getWhenTerminated().toCompletableFuture().isDone());
        }
    }

    @Test
    void threeNodesJoinThroughTheFirst() {
        try (TestNodes nodes = new TestNodes(dir, 3)) {
            nodes.startAll();
            assertThat(Cluster.get(nodes.system(2)).state().getMembers()).hasSize(3);
        }
    }

    @Test
    void theSplitBrainResolverDownsACrashedNodeOnTheMajoritySide() {
        try (TestNodes nodes = new TestNodes(dir, 3, SHORT_SBR)) {
            nodes.startAll();
            nodes.crash(2);
            await().atMost(Duration.ofSeconds(60)).until(() -> size(Cluster.get(nodes.system(0)).state().getMembers())
                    == 2 && Cluster.get(nodes.system(0)).state().getUnreachable().isEmpty());
            assertThat(nodes.terminated(0)).isFalse();
        }
    }

    @Test
    void aNodeCutOffFromTheMajorityDownsItself() {
        try (TestNodes nodes = new TestNodes(dir, 3, SHORT_SBR)) {
            nodes.startAll();
            nodes.crash(1);
            nodes.crash(2);
            // keep-majority: one of three scheduler nodes is a minority; it downs itself and its system stops
            await().atMost(Duration.ofSeconds(60)).until(() -> nodes.terminated(0));
        }
    }

    @Test
    void onlyTheFirstSeedNodeWaitsLongerBeforeFormingAClusterOfItsOwn() {
        List<String> seeds = List.of("10.0.0.5:7701", "10.0.0.6:7701", "10.0.0.7:7701");
        EnumSet<ClusterSettings.Role> roles = EnumSet.of(ClusterSettings.Role.SCHEDULER);
        var first = BerthCluster.config(new ClusterSettings("s1", "10.0.0.5", 7701, roles, seeds, dir, false));
        var second = BerthCluster.config(new ClusterSettings("s2", "10.0.0.6", 7701, roles, seeds, dir, false));
        var agent = BerthCluster.config(new ClusterSettings("a1", "10.0.0.20", 7701,
                EnumSet.of(ClusterSettings.Role.AGENT), seeds, dir, false));
        assertThat(first.getDuration("pekko.cluster.seed-node-timeout")).isEqualTo(Duration.ofSeconds(30));
        // elsewhere it is the interval between join attempts: Pekko's 5 s
        assertThat(second.getDuration("pekko.cluster.seed-node-timeout")).isEqualTo(Duration.ofSeconds(5));
        assertThat(agent.getDuration("pekko.cluster.seed-node-timeout")).isEqualTo(Duration.ofSeconds(5));
        // the operator's configuration wins
        var chosen = BerthCluster.config(new ClusterSettings("s1", "10.0.0.5", 7701, roles, seeds, dir, false),
                com.typesafe.config.ConfigFactory.parseString("pekko.cluster.seed-node-timeout = 12s"));
        assertThat(chosen.getDuration("pekko.cluster.seed-node-timeout")).isEqualTo(Duration.ofSeconds(12));
    }

    private static final com.typesafe.config.Config SHORT_SBR = com.typesafe.config.ConfigFactory.parseString("""
            pekko.cluster.split-brain-resolver.stable-after = 2s
            pekko.cluster.failure-detector.acceptable-heartbeat-pause = 2s
            """);

    private static int size(Iterable<?> items) {
        int n = 0;
        for (Object ignored : items) {
            n++;
        }
        return n;
    }

    @Test
    void configurationCarriesSplitBrainResolverShutdownAndSerialization() {
        var config = BerthCluster.config(new ClusterSettings("a", "10.0.0.5", 7701,
                EnumSet.of(ClusterSettings.Role.SCHEDULER), List.of("10.0.0.4:7701"), dir, true));
        assertThat(config.getString("pekko.actor.provider")).isEqualTo("cluster");
        assertThat(config.getString("pekko.remote.artery.canonical.hostname")).isEqualTo("10.0.0.5");
        assertThat(config.getInt("pekko.remote.artery.canonical.port")).isEqualTo(7701);
        assertThat(config.getStringList("pekko.cluster.roles")).containsExactly("scheduler");
        assertThat(config.getStringList("pekko.cluster.seed-nodes")).containsExactly("pekko://berth@10.0.0.4:7701");
        assertThat(config.getString("pekko.cluster.downing-provider-class"))
                .isEqualTo("org.apache.pekko.cluster.sbr.SplitBrainResolverProvider");
        assertThat(config.getString("pekko.cluster.split-brain-resolver.active-strategy")).isEqualTo("keep-majority");
        assertThat(config.getBoolean("pekko.coordinated-shutdown.run-by-jvm-shutdown-hook")).isTrue();
        assertThat(config.getBoolean("pekko.coordinated-shutdown.exit-jvm")).isTrue();
        assertThat(config.getBoolean("pekko.cluster.run-coordinated-shutdown-when-down")).isTrue();
        assertThat(config.getString("pekko.actor.serialization-bindings.\"io.berth.protocol.cluster.CborSerializable\""))
                .isEqualTo("jackson-cbor");
        assertThat(config.getString("pekko.cluster.distributed-data.durable.store-actor-class"))
                .isEqualTo("io.berth.storage.durable.RocksDbDurableStore");
        assertThat(config.getString("pekko.cluster.distributed-data.durable.rocksdb.dir"))
                .isEqualTo(dir.resolve("ddata").toAbsolutePath().toString());
    }

    @Test
    void badSettingsNameTheSetting() {
        assertThatThrownBy(() -> new ClusterSettings("a", "127.0.0.1", 7701, EnumSet.of(ClusterSettings.Role.AGENT),
                List.of("10.0.0.4:7701", "nohost"), dir, true))
                .hasMessageContaining("berth.cluster.seed-nodes[1]").hasMessageContaining("'nohost'");
        assertThatThrownBy(() -> new ClusterSettings("a", "127.0.0.1", 70000, EnumSet.of(ClusterSettings.Role.AGENT),
                List.of(), dir, true)).hasMessageContaining("berth.cluster.port");
        assertThatThrownBy(() -> new ClusterSettings("a b", "127.0.0.1", 1, EnumSet.of(ClusterSettings.Role.AGENT),
                List.of(), dir, true)).hasMessageContaining("berth.cluster.node-name");
        assertThatThrownBy(() -> ClusterSettings.fromConfig(com.typesafe.config.ConfigFactory.parseString(
                "berth.cluster.roles = [scheduler, planner]").withFallback(com.typesafe.config.ConfigFactory.load())))
                .hasMessageContaining("berth.cluster.roles[1]").hasMessageContaining("'planner'");
    }

    @Test
    void defaultsMakeADevNode() {
        ClusterSettings settings = ClusterSettings.fromConfig(com.typesafe.config.ConfigFactory.load());
        assertThat(settings.roles()).containsExactlyInAnyOrder(ClusterSettings.Role.SCHEDULER,
                ClusterSettings.Role.AGENT);
        assertThat(settings.seedNodes()).isEmpty();
        assertThat(settings.exitJvm()).isTrue();
    }
}
