package io.berth.scheduler.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.berth.protocol.cluster.AgentCommand;
import io.berth.protocol.cluster.AllocationState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Leave;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scheduler singleton moving to another node of a three-node cluster (three actor systems on loopback). */
class SchedulerFailoverTest {
    /**
     * The split brain resolver downs a crashed node quickly, so that the singleton moves within the test; heartbeats
     * cross actor systems on a loaded machine, so the TTL is a few seconds.
     */
    private static final Config QUICK_DOWNING = ConfigFactory.parseString("""
            pekko.cluster.split-brain-resolver.stable-after = 3s
            berth.scheduler.min-heartbeat-interval = 1s
            """);

    @TempDir
    Path dir;

    @Test
    void aNewSingletonRebuildsItsViewFromTheAgentsWithoutPlacingAnythingTwice() {
        try (SchedulerCluster cluster = new SchedulerCluster(dir, 3, QUICK_DOWNING)) {
            List<ActorRef<AgentCommand>> agents = List.of(
                    cluster.agent(1, FakeAgent.node("a", 4000, 8192, Map.of())),
                    cluster.agent(2, FakeAgent.node("b", 4000, 8192, Map.of())));
            cluster.register(SchedulerCluster.service("web", 4, "", ""));
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.running("web").size() == 4);
            Set<String> before = ids(cluster.running("web"));
            Map<String, Integer> indexes = indexes(cluster.running("web"));

            failOver(cluster);

            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.running("web").size() == 4);
            SchedulerApi.SchedulerStatus after = cluster.ask(SchedulerApi.SchedulerStatus.class,
                    SchedulerApi.GetStatus::new);
            assertThat(after.placementsTotal()).as("placements by the new singleton").isZero();
            assertThat(after.stopsTotal()).isZero();
            assertThat(ids(cluster.running("web"))).isEqualTo(before);
            assertThat(indexes(cluster.live("web"))).as("each allocation keeps its index").isEqualTo(indexes);
            Map<String, AllocationState> held = new HashMap<>();
            held.putAll(cluster.holdings(1, agents.get(0)));
            held.putAll(cluster.holdings(2, agents.get(1)));
            assertThat(held).hasSize(4).containsOnlyKeys(before);
            assertThat(held.values()).containsOnly(AllocationState.RUNNING);

            // and it schedules: a scale-up places only the new instances
            cluster.register(SchedulerCluster.service("web", 6, "", ""));
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.running("web").size() == 6);
            assertThat(ids(cluster.running("web"))).containsAll(before);
        }
    }

    @Test
    void theAllocationsOfACrashedAgentMemberArePlacedElsewhere() {
        try (SchedulerCluster cluster = new SchedulerCluster(dir, 3, QUICK_DOWNING)) {
            cluster.agent(2, FakeAgent.node("b", 4000, 8192, Map.of()));
            cluster.register(SchedulerCluster.service("web", 4, "", ""));
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.running("web").size() == 4);
            cluster.agent(1, FakeAgent.node("a", 4000, 8192, Map.of()));
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.ask(SchedulerApi.NodeList.class,
                    SchedulerApi.GetNodes::new).nodes().size() == 2);

            cluster.crash(2); // b's whole actor system: its heartbeats stop and its member is removed

            await().atMost(Duration.ofSeconds(60)).until(() -> cluster.running("web").size() == 4
                    && cluster.running("web").stream().allMatch(x -> x.node().equals("a")));
            SchedulerApi.NodeView node = cluster.ask(SchedulerApi.NodeReply.class,
                    r -> new SchedulerApi.GetNode("b", r)).node();
            assertThat(node.status()).isEqualTo("down");
            assertThat(cluster.allocations("web")).filteredOn(x -> x.node().equals("b")).hasSize(4)
                    .allSatisfy(x -> assertThat(x.clientStatus()).isEqualTo("lost"));
        }
    }

    @Test
    void anAgentMemberThatLeavesOnPurposeKeepsItsNodeUntilTheHeartbeatTtl() {
        // a 5 s interval makes the TTL 15 s: long enough to look at the node once its member is gone
        Config slowHeartbeats = ConfigFactory.parseString("berth.scheduler.min-heartbeat-interval = 5s")
                .withFallback(QUICK_DOWNING);
        try (SchedulerCluster cluster = new SchedulerCluster(dir, 3, slowHeartbeats)) {
            cluster.agent(2, FakeAgent.node("b", 4000, 8192, Map.of()));
            cluster.register(SchedulerCluster.service("web", 2, "", ""));
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.running("web").size() == 2);
            Cluster leaving = Cluster.get(cluster.systems.get(2));
            Address address = leaving.selfMember().address();

            leaving.manager().tell(Leave.create(address)); // as `systemctl restart berth-agent` does

            Cluster observer = Cluster.get(cluster.systems.get(0));
            await().atMost(Duration.ofSeconds(30)).until(() -> StreamSupport
                    .stream(observer.state().getMembers().spliterator(), false)
                    .noneMatch(member -> member.address().equals(address)));
            assertThat(cluster.ask(SchedulerApi.NodeReply.class, r -> new SchedulerApi.GetNode("b", r)).node()
                    .status()).as("right after its member was removed").isEqualTo("ready");
            assertThat(cluster.running("web")).hasSize(2);

            // it does not come back: the TTL takes the node down
            await().atMost(Duration.ofSeconds(60)).until(() -> cluster.ask(SchedulerApi.NodeReply.class,
                    r -> new SchedulerApi.GetNode("b", r)).node().status().equals("down"));
        }
    }

    @Test
    void aCanaryDeploymentSurvivesAFailoverAndIsPromotedAfterIt() {
        try (SchedulerCluster cluster = new SchedulerCluster(dir, 3, QUICK_DOWNING)) {
            cluster.agent(1, FakeAgent.node("a", 4000, 8192, Map.of()));
            cluster.agent(2, FakeAgent.node("b", 4000, 8192, Map.of()));
            String update = "{\"max_parallel\": 1, \"min_healthy_time\": \"200ms\", \"canary\": 1}";
            cluster.register(SchedulerCluster.service("web", 3, "\"V\": \"1\"", update));
            await().atMost(Duration.ofSeconds(30)).until(() -> deploymentStatus(cluster, "web").equals("successful"));
            cluster.register(SchedulerCluster.service("web", 3, "\"V\": \"2\"", update));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> deploymentStatus(cluster, "web").equals("awaiting_promotion"));
            List<SchedulerApi.AllocationView> before = cluster.live("web");
            SchedulerApi.AllocationView canary = before.stream().filter(x -> x.jobVersion() == 1).findFirst()
                    .orElseThrow();
            assertThat(canary.canary()).isTrue();
            String deploymentId = cluster.deployment("web").id();

            String leader = failOver(cluster);

            // the new singleton waits for the promotion too, and places no second canary meanwhile
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> deploymentStatus(cluster, "web").equals("awaiting_promotion"));
            assertThat(cluster.deployment("web").id()).isEqualTo(deploymentId);
            assertThat(indexes(cluster.live("web"))).isEqualTo(indexes(before));
            assertThat(cluster.live("web")).filteredOn(SchedulerApi.AllocationView::canary)
                    .extracting(SchedulerApi.AllocationView::id).containsExactly(canary.id());
            SchedulerApi.SchedulerStatus after = cluster.ask(SchedulerApi.SchedulerStatus.class,
                    SchedulerApi.GetStatus::new);
            assertThat(after.leader()).isNotEqualTo(leader);
            assertThat(after.placementsTotal()).as("placements by the new singleton").isZero();

            SchedulerApi.OperationResult promoted = cluster.ask(SchedulerApi.OperationResult.class,
                    r -> new SchedulerApi.PromoteDeployment("web", r));
            assertThat(promoted.ok()).isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> deploymentStatus(cluster, "web").equals("successful"));
            assertThat(cluster.deployment("web").id()).isEqualTo(deploymentId);
            assertThat(cluster.live("web")).hasSize(3).allSatisfy(x -> assertThat(x.jobVersion()).isEqualTo(1));
            // the singleton marks the version stable in the job store as the deployment succeeds, a write of its own
            await().atMost(Duration.ofSeconds(10)).until(() -> cluster.job("web").version(1).stable());
        }
    }

    @Test
    void aReschedulePolicyCountsTheAttemptsMadeBeforeAFailover() {
        try (SchedulerCluster cluster = new SchedulerCluster(dir, 3, QUICK_DOWNING)) {
            Map<String, ActorRef<AgentCommand>> agents = Map.of(
                    "a", cluster.agent(1, FakeAgent.node("a", 4000, 8192, Map.of())),
                    "b", cluster.agent(2, FakeAgent.node("b", 4000, 8192, Map.of())));
            cluster.register(SchedulerCluster.parse("""
                    {"id": "flaky", "groups": [{"name": "g", "count": 1,
                      "reschedule": {"attempts": 1, "interval": "1h", "delay": "1s", "delay_function": "constant",
                                     "unlimited": false},
                      "tasks": [{"name": "t", "image": "docker.io/library/busybox:1.36"}]}]}
                    """));
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.running("flaky").size() == 1);
            SchedulerApi.AllocationView first = cluster.running("flaky").get(0);
            agents.get(first.node()).tell(new FakeAgent.Fail(first.id()));
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.running("flaky").size() == 1
                    && !cluster.running("flaky").get(0).id().equals(first.id()));
            SchedulerApi.AllocationView second = cluster.running("flaky").get(0);
            assertThat(second.previousAllocation()).isEqualTo(first.id());
            assertThat(second.rescheduleCount()).isEqualTo(1);

            failOver(cluster);

            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.running("flaky").size() == 1);
            assertThat(cluster.running("flaky")).singleElement().satisfies(x -> {
                assertThat(x.id()).isEqualTo(second.id());
                assertThat(x.previousAllocation()).isEqualTo(first.id());
                assertThat(x.rescheduleCount()).isEqualTo(1);
            });
            // its one attempt was spent before the failover: the slot stays failed
            agents.get(second.node()).tell(new FakeAgent.Fail(second.id()));
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.allocations("flaky").stream()
                    .anyMatch(x -> x.id().equals(second.id()) && x.clientStatus().equals("failed")));
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> cluster.allocations("flaky").stream().noneMatch(x -> x.clientStatus().equals("pending")
                            || x.clientStatus().equals("running")));
            assertThat(cluster.allocations("flaky")).extracting(SchedulerApi.AllocationView::id)
                    .containsExactlyInAnyOrder(first.id(), second.id());
            assertThat(cluster.ask(SchedulerApi.SchedulerStatus.class, SchedulerApi.GetStatus::new)
                    .placementsTotal()).isZero();
        }
    }

    /** Crashes the node hosting the singleton (node 0) and waits until the new one has taken over; the old leader. */
    private static String failOver(SchedulerCluster cluster) {
        String leader = cluster.ask(SchedulerApi.SchedulerStatus.class, SchedulerApi.GetStatus::new).leader();
        assertThat(leader).isEqualTo(Cluster.get(cluster.systems.get(0)).selfMember().address().toString());
        cluster.crash(0);
        // what the proxies sent to the dead node before it was removed is lost: ask until the new one answers
        await().atMost(Duration.ofSeconds(60)).ignoreExceptionsMatching(e -> e instanceof AssertionError)
                .until(() -> {
                    SchedulerApi.SchedulerStatus s = cluster.ask(SchedulerApi.SchedulerStatus.class,
                            SchedulerApi.GetStatus::new);
                    return !s.leader().equals(leader) && s.readyNodes() == 2 && s.queueDepth() == 0;
                });
        return leader;
    }

    private static String deploymentStatus(SchedulerCluster cluster, String jobId) {
        SchedulerApi.DeploymentView d = cluster.deployment(jobId);
        return d == null ? "" : d.status();
    }

    private static Map<String, Integer> indexes(List<SchedulerApi.AllocationView> allocations) {
        return allocations.stream().collect(Collectors.toMap(SchedulerApi.AllocationView::id,
                SchedulerApi.AllocationView::index));
    }

    private static Set<String> ids(List<SchedulerApi.AllocationView> allocations) {
        return allocations.stream().map(SchedulerApi.AllocationView::id).collect(Collectors.toSet());
    }
}
