package io.berth.scheduler.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.berth.protocol.cluster.AgentCommand;
import io.berth.protocol.cluster.NodeInfo;
import io.berth.protocol.job.Job;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new scheduler singleton after every node stopped and started again (a one-node cluster with both roles, as
 * `berth dev`, whose actor system is crashed and started on its data directory): it knows which nodes were ready
 * and which batch allocations completed from the durable sets beside the jobs, waits for those nodes before it
 * evaluates the jobs registered before it started, and does not run finished batch work again.
 */
class SchedulerColdStartTest {
    /**
     * A failover grace of 1 s (the wait, stretched to 1.5 heartbeat intervals, ended after 1.5 s before the nodes
     * were kept) against a heartbeat TTL of 10 s: 1 s intervals, 10 missed.
     */
    private static final Config COLD_START = ConfigFactory.parseString("""
            berth.scheduler.failover-grace = 1s
            berth.scheduler.min-heartbeat-interval = 1s
            berth.scheduler.missed-heartbeats = 10
            """);
    private static final Duration TTL = Duration.ofSeconds(10);
    /** When the late node comes back after the new singleton: past the grace, within the TTL. */
    private static final Duration LATE = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    @Test
    void afterAFullRestartNothingIsPlacedAgainThoughANodeComesBackSecondsLater() throws InterruptedException {
        try (SchedulerCluster cluster = new SchedulerCluster(dir, 1, COLD_START)) {
            Fleet fleet = new Fleet(cluster);
            Set<String> before = ids(cluster.running("web"));
            String late = cluster.running("web").get(0).node();

            cluster.restartAll();
            Map<String, ActorRef<AgentCommand>> restarted = fleet.restartExcept(late);
            Thread.sleep(LATE.toMillis());
            restarted.put(late, fleet.restart(late));

            await().atMost(Duration.ofSeconds(30)).until(() -> ids(cluster.running("web")).equals(before));
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> ids(cluster.live("web")).equals(before));
            SchedulerApi.SchedulerStatus after = cluster.ask(SchedulerApi.SchedulerStatus.class,
                    SchedulerApi.GetStatus::new);
            assertThat(after.placementsTotal()).as("placements by the new singleton").isZero();
            assertThat(after.stopsTotal()).as("stops by the new singleton").isZero();
            restarted.forEach((node, agent) -> assertThat(cluster.received(0, agent))
                    .as("what agent %s was told after the restart", node).isEmpty());
            assertThat(byNode(cluster.running("web"))).isEqualTo(fleet.placed);
        }
    }

    @Test
    void aKnownNodeThatDoesNotComeBackIsDownAfterItsTtlAndLeavesTheSet() {
        try (SchedulerCluster cluster = new SchedulerCluster(dir, 1, COLD_START)) {
            Fleet fleet = new Fleet(cluster);
            String gone = cluster.running("web").get(0).node();

            cluster.restartAll();
            fleet.restartExcept(gone);

            await().atMost(Duration.ofSeconds(40)).until(() -> cluster.running("web").size() == 4
                    && cluster.running("web").stream().noneMatch(a -> a.node().equals(gone)));
            Instant startedAt = cluster.ask(SchedulerApi.SchedulerStatus.class, SchedulerApi.GetStatus::new)
                    .leaderSince();
            long held = fleet.placed.values().stream().filter(gone::equals).count();
            assertThat(cluster.running("web")).filteredOn(a -> !fleet.placed.containsKey(a.id())).hasSize((int) held)
                    .allSatisfy(a -> assertThat(a.createdAt()).as("placed again once the TTL was over")
                            .isAfterOrEqualTo(startedAt.plus(TTL)));
            Set<String> left = new TreeSet<>(fleet.agents.keySet());
            left.remove(gone);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> cluster.durableSet(0, DurableSet.KNOWN_NODES).equals(left));
        }
    }

    @Test
    void whileAKnownNodeIsAwaitedANewJobIsPlacedAtOnceAndJobsWithWorkThereWait() throws InterruptedException {
        try (SchedulerCluster cluster = new SchedulerCluster(dir, 1, COLD_START)) {
            Fleet fleet = new Fleet(cluster);
            String gone = cluster.running("web").get(0).node();
            // a job whose only work is on the node that will be missing (the others are ineligible meanwhile), and
            // which could run anywhere: after the restart nothing of it is reported, nor does anything keep it there
            Set<String> others = new TreeSet<>(fleet.agents.keySet());
            others.remove(gone);
            others.forEach(node -> eligible(cluster, node, false));
            cluster.register(small("solo"));
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.running("solo").size() == 1);
            Set<String> solo = ids(cluster.running("solo"));
            others.forEach(node -> eligible(cluster, node, true));
            fleet.exportHeld();

            cluster.restartAll();
            fleet.restartExcept(gone);
            Instant startedAt = cluster.ask(SchedulerApi.SchedulerStatus.class, SchedulerApi.GetStatus::new)
                    .leaderSince();
            // the job store's stamp must be later than the singleton's start by the skew allowed between clocks
            Thread.sleep(Math.max(0, Duration.between(Instant.now(), startedAt.plus(SchedulerSingleton.CLOCK_SKEW))
                    .toMillis()) + 100);
            cluster.register(small("fresh"));

            await().atMost(Duration.ofSeconds(5)).until(() -> cluster.running("fresh").size() == 1);
            SchedulerApi.AllocationView fresh = cluster.running("fresh").get(0);
            assertThat(fresh.createdAt()).as("placed during the wait for node %s", gone)
                    .isBefore(startedAt.plus(TTL));
            assertThat(fresh.node()).isNotEqualTo(gone);
            assertThat(ids(cluster.allocations("web"))).as("web, which had work on node %s, waits", gone)
                    .isSubsetOf(fleet.placed.keySet());
            assertThat(cluster.allocations("solo")).as("solo, whose work is on node %s, waits", gone).isEmpty();

            // the node comes back within its TTL: what it holds is taken in, and nothing was placed twice
            fleet.restart(gone);
            await().atMost(Duration.ofSeconds(30)).until(() -> ids(cluster.running("solo")).equals(solo)
                    && ids(cluster.running("web")).equals(fleet.placed.keySet()));
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> ids(cluster.live("web")).equals(fleet.placed.keySet())
                            && ids(cluster.live("solo")).equals(solo));
            assertThat(ids(cluster.running("fresh"))).containsExactly(fresh.id());
            SchedulerApi.SchedulerStatus after = cluster.ask(SchedulerApi.SchedulerStatus.class,
                    SchedulerApi.GetStatus::new);
            assertThat(after.placementsTotal()).as("placements by the new singleton: fresh's only").isEqualTo(1);
            assertThat(after.stopsTotal()).as("stops by the new singleton").isZero();
        }
    }

    /** A service of one small instance (10 MHz, 16 MiB). */
    private static Job small(String id) {
        return SchedulerCluster.parse("""
                {"id": "%s", "type": "service", "groups": [{"name": "g", "count": 1,
                  "tasks": [{"name": "t", "image": "docker.io/library/busybox:1.36", "command": ["sleep", "1d"],
                             "resources": {"cpu_mhz": 10, "memory_mb": 16}}]}]}
                """.formatted(id));
    }

    private static void eligible(SchedulerCluster cluster, String node, boolean eligible) {
        assertThat(cluster.ask(SchedulerApi.OperationResult.class,
                r -> new SchedulerApi.SetEligibility(node, eligible, r)).notFound()).isFalse();
    }

    @Test
    void batchWorkThatCompletedIsNotRunAgainAfterAFullRestart() {
        try (SchedulerCluster cluster = new SchedulerCluster(dir, 1, COLD_START)) {
            NodeInfo info = FakeAgent.node("a", 4000, 8192, Map.of());
            ActorRef<AgentCommand> agent = cluster.agent(0, info);
            cluster.register(batch(""));
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.allocations("once").size() == 2
                    && cluster.allocations("once").stream().allMatch(a -> a.clientStatus().equals("complete")));
            Set<String> done = ids(cluster.allocations("once"));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> cluster.durableSet(0, DurableSet.BATCH_DONE).size() == 2);
            // a real agent stops reporting an ended allocation once the scheduler heard of its end
            List<FakeAgent.Alloc> reported = cluster.export(0, agent).stream()
                    .filter(a -> !a.state().terminal()).toList();
            assertThat(reported).isEmpty();

            cluster.restartAll();
            ActorRef<AgentCommand> restarted = cluster.restartedAgent(0, info, reported);

            await().atMost(Duration.ofSeconds(30)).until(() -> ids(cluster.allocations("once")).equals(done));
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6))
                    .until(() -> ids(cluster.allocations("once")).equals(done));
            assertThat(cluster.allocations("once"))
                    .allSatisfy(a -> assertThat(a.clientStatus()).isEqualTo("complete"));
            assertThat(cluster.ask(SchedulerApi.SchedulerStatus.class, SchedulerApi.GetStatus::new)
                    .placementsTotal()).as("placements by the new singleton").isZero();
            assertThat(cluster.received(0, restarted)).isEmpty();

            // a new version is new work: it runs, and only the new version's completions are kept
            cluster.register(batch(", \"V\": \"2\""));
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.allocations("once").stream()
                    .filter(a -> a.jobVersion() == 1 && a.clientStatus().equals("complete")).count() == 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                Set<String> kept = cluster.durableSet(0, DurableSet.BATCH_DONE);
                return kept.size() == 2 && kept.stream().allMatch(s -> Completion.decode(s).jobVersion() == 1);
            });
        }
    }

    @Test
    void whatRunsOfAJobThisNodesCopyLacksKeepsRunningWhenAMajorityHoldsTheJob() {
        try (SchedulerCluster cluster = new SchedulerCluster(dir, 3, COLD_START)) {
            NodeInfo info = FakeAgent.node("a", 4000, 8192, Map.of());
            ActorRef<AgentCommand> agent = cluster.agent(1, info);
            cluster.register(SchedulerCluster.service("web", 2, "", ""));
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.running("web").size() == 2);
            Set<String> before = ids(cluster.running("web"));
            await().atMost(Duration.ofSeconds(10)).until(() -> IntStream.range(0, 3)
                    .allMatch(i -> cluster.localJobs(i).contains("web")));
            List<FakeAgent.Alloc> held = cluster.export(1, agent);

            // node 0, the oldest and so the singleton's, comes back with a new disk, and the replicas do not gossip:
            // its copy of the job store lacks the job until something reads it from a majority
            cluster.restartAll(0, ConfigFactory.parseString("pekko.cluster.distributed-data.gossip-interval = 1h"));
            ActorRef<AgentCommand> restarted = cluster.restartedAgent(1, info, held);

            await().atMost(Duration.ofSeconds(30)).until(() -> ids(cluster.running("web")).equals(before));
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6))
                    .until(() -> ids(cluster.running("web")).equals(before));
            assertThat(cluster.received(1, restarted)).as("what the agent was told after the restart").isEmpty();
            SchedulerApi.SchedulerStatus after = cluster.ask(SchedulerApi.SchedulerStatus.class,
                    SchedulerApi.GetStatus::new);
            assertThat(after.leader()).isEqualTo(cluster.systems.get(0).address().toString());
            assertThat(after.stopsTotal()).isZero();
            assertThat(after.placementsTotal()).isZero();
        }
    }

    /** A batch job of two tasks that exit 0 at once, with {@code env} added to their environment. */
    private static Job batch(String env) {
        return SchedulerCluster.parse("""
                {"id": "once", "type": "batch", "groups": [{"name": "g", "count": 2,
                  "tasks": [{"name": "t", "image": "docker.io/library/busybox:1.36",
                             "env": {"%s": "exit0"%s}}]}]}
                """.formatted(FakeAgent.BEHAVIOUR, env));
    }

    /**
     * Three agents of room for two instances each, and a service of four: whichever node comes back late, the
     * others have room for what it holds. Waits until the set of known nodes holds the three on disk.
     */
    private static final class Fleet {
        final SchedulerCluster cluster;
        final Map<String, NodeInfo> infos = new TreeMap<>();
        final Map<String, ActorRef<AgentCommand>> agents = new TreeMap<>();
        final Map<String, List<FakeAgent.Alloc>> held = new TreeMap<>();
        /** Allocation id -> node, before the restart. */
        final Map<String, String> placed;

        Fleet(SchedulerCluster cluster) {
            this.cluster = cluster;
            for (String name : List.of("a", "b", "c")) {
                NodeInfo info = FakeAgent.node(name, 250, 8192, Map.of());
                infos.put(name, info);
                agents.put(name, cluster.agent(0, info));
            }
            cluster.register(SchedulerCluster.service("web", 4, "", ""));
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.running("web").size() == 4);
            placed = byNode(cluster.running("web"));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> cluster.durableSet(0, DurableSet.KNOWN_NODES).equals(agents.keySet()));
            exportHeld();
        }

        /** Takes what each agent holds now, to start it again with. */
        void exportHeld() {
            agents.forEach((name, agent) -> held.put(name, cluster.export(0, agent)));
        }

        /** Starts every agent again but {@code late}, with what each held. */
        Map<String, ActorRef<AgentCommand>> restartExcept(String late) {
            Map<String, ActorRef<AgentCommand>> restarted = new LinkedHashMap<>();
            for (String name : infos.keySet()) {
                if (!name.equals(late)) {
                    restarted.put(name, restart(name));
                }
            }
            return restarted;
        }

        ActorRef<AgentCommand> restart(String name) {
            return cluster.restartedAgent(0, infos.get(name), held.get(name));
        }
    }

    private static Map<String, String> byNode(List<SchedulerApi.AllocationView> allocations) {
        return allocations.stream().collect(Collectors.toMap(SchedulerApi.AllocationView::id,
                SchedulerApi.AllocationView::node, (x, y) -> x, TreeMap::new));
    }

    private static Set<String> ids(List<SchedulerApi.AllocationView> allocations) {
        return allocations.stream().map(SchedulerApi.AllocationView::id).collect(Collectors.toSet());
    }
}
