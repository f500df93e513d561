package io.berth.scheduler.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.protocol.cluster.AgentCommand;
import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.cluster.BerthEvent;
import io.berth.protocol.cluster.LeaveAck;
import io.berth.protocol.cluster.LeaveNode;
import io.berth.protocol.cluster.NodeInfo;
import io.berth.protocol.cluster.PortRanges;
import io.berth.protocol.job.Job;
import io.berth.scheduler.events.Events;
import io.berth.scheduler.jobs.JobStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scheduler singleton on a one-node cluster with the real job store and fake agents. */
class SchedulerSingletonTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    SchedulerCluster cluster;

    @BeforeEach
    void start() {
        cluster = new SchedulerCluster(dir, 1);
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void anIneligibleNodeTakesNothingNew() {
        cluster.agent("a");
        cluster.agent("b");
        await().atMost(WAIT).until(() -> nodeStatus("b").equals("ready") && nodeStatus("a").equals("ready"));
        SchedulerApi.OperationResult off = cluster.ask(SchedulerApi.OperationResult.class,
                r -> new SchedulerApi.SetEligibility("a", false, r));
        assertThat(off.ok()).isTrue();
        assertThat(cluster.ask(SchedulerApi.OperationResult.class,
                r -> new SchedulerApi.SetEligibility("nope", false, r)).notFound()).isTrue();

        cluster.register(SchedulerCluster.service("web", 3, "", ""));

        await().atMost(WAIT).until(() -> cluster.running("web").size() == 3);
        assertThat(cluster.running("web")).allSatisfy(x -> assertThat(x.node()).isEqualTo("b"));
        SchedulerApi.NodeView a = cluster.ask(SchedulerApi.NodeReply.class,
                r -> new SchedulerApi.GetNode("a", r)).node();
        assertThat(a.eligible()).isFalse();
    }

    @Test
    void aNodeWhoseAgentLeavesTakesNothingNewItsAllocationsMoveAndItIsEligibleAgainWhenItRegisters() {
        ActorRef<AgentCommand> a = cluster.agent("a");
        cluster.register(SchedulerCluster.service("web", 2, "", ""));
        await().atMost(WAIT).until(() -> cluster.running("web").size() == 2);
        cluster.agent("b");
        await().atMost(WAIT).until(() -> nodeStatus("b").equals("ready"));

        LeaveAck ack = cluster.ask(LeaveAck.class, r -> new LeaveNode("a", r));
        assertThat(ack.known()).isTrue();
        assertThat(cluster.ask(LeaveAck.class, r -> new LeaveNode("nope", r)).known()).isFalse();

        await().atMost(WAIT).until(() -> cluster.running("web").size() == 2
                && cluster.running("web").stream().allMatch(x -> x.node().equals("b")));
        assertThat(cluster.allocations("web")).filteredOn(x -> x.node().equals("a")).hasSize(2)
                .allSatisfy(x -> assertThat(x.desiredStatus()).isEqualTo("stop"));
        assertThat(cluster.received(0, a)).as("its two allocations stopped, nothing new assigned")
                .filteredOn(m -> m.startsWith("assign")).hasSize(2);
        SchedulerApi.NodeView leaving = node("a");
        assertThat(leaving.leaving()).isTrue();
        assertThat(leaving.eligible()).isFalse();
        // an operator turns it on while it leaves: it is still left alone until its agent registers again
        assertThat(cluster.ask(SchedulerApi.OperationResult.class, r -> new SchedulerApi.SetEligibility("a", true, r))
                .message()).contains("once its agent").contains("registers again");
        assertThat(node("a").eligible()).isFalse();

        ActorRef<AgentCommand> back = restart(a, "a");
        await().atMost(WAIT).until(() -> node("a").eligible() && !node("a").leaving());
        // the operator turns it off; the agent leaves and comes back again: it stays off
        cluster.ask(SchedulerApi.OperationResult.class, r -> new SchedulerApi.SetEligibility("a", false, r));
        assertThat(cluster.ask(LeaveAck.class, r -> new LeaveNode("a", r)).known()).isTrue();
        restart(back, "a");
        await().atMost(WAIT).until(() -> !node("a").leaving());
        assertThat(node("a").eligible()).as("as the operator left it").isFalse();
    }

    @Test
    void withNoOtherNodeWhatALeavingNodeStopsWaitsAndIsPlacedWhenItsAgentRegistersAgain() {
        ActorRef<AgentCommand> a = cluster.agent("a");
        cluster.register(SchedulerCluster.service("web", 1, "", ""));
        await().atMost(WAIT).until(() -> cluster.running("web").size() == 1);

        assertThat(cluster.ask(LeaveAck.class, r -> new LeaveNode("a", r)).known()).isTrue();

        await().atMost(WAIT).until(() -> cluster.ask(SchedulerApi.EvaluationList.class,
                r -> new SchedulerApi.GetEvaluations("web", r)).blocked() == 1);
        assertThat(cluster.live("web")).isEmpty();
        assertThat(cluster.received(0, a)).filteredOn(m -> m.startsWith("assign")).hasSize(1);

        ActorRef<AgentCommand> back = restart(a, "a");
        await().atMost(WAIT).until(() -> cluster.running("web").size() == 1);
        assertThat(cluster.received(0, back)).filteredOn(m -> m.startsWith("assign")).hasSize(1);
    }

    /** Stops a fake agent and starts it again on the same node, holding what it held. */
    private ActorRef<AgentCommand> restart(ActorRef<AgentCommand> agent, String name) {
        List<FakeAgent.Alloc> held = cluster.export(0, agent);
        cluster.kits.get(0).stop(agent);
        return cluster.restartedAgent(0, FakeAgent.node(name, 4000, 8192, Map.of()), held);
    }

    private SchedulerApi.NodeView node(String name) {
        return cluster.ask(SchedulerApi.NodeReply.class, r -> new SchedulerApi.GetNode(name, r)).node();
    }

    @Test
    void placementsPreferTheNodeThatHoldsTheTasksImage() {
        String busybox = "sha256:" + "1".repeat(64), alpine = "sha256:" + "2".repeat(64);
        // each node lists its image store as an agent does: every image by its store name and by its digest
        cluster.agent(0, FakeAgent.node("a", 4000, 8192, Map.of()),
                List.of("docker.io/library/busybox:1.36", busybox));
        cluster.agent(0, FakeAgent.node("b", 4000, 8192, Map.of()),
                List.of("docker.io/library/alpine:3.20", alpine));
        await().atMost(WAIT).until(() -> nodeStatus("a").equals("ready") && nodeStatus("b").equals("ready"));
        // the nodes are otherwise equal, and bin-packing alone would put every one on the first node used
        Map<String, String> holder = new LinkedHashMap<>();
        holder.put("busybox:1.36", "a");
        holder.put("alpine:3.20", "b");
        holder.put("docker.io/library/busybox:1.36", "a");
        holder.put("index.docker.io/library/alpine:3.20", "b");
        holder.put("busybox@" + busybox, "a");
        holder.put("docker.io/library/alpine:3.20@" + alpine, "b");
        int k = 0;
        for (Map.Entry<String, String> e : holder.entrySet()) {
            String id = "img-" + k++;
            cluster.register(SchedulerCluster.parse("""
                    {"id": "%s", "groups": [{"name": "g", "count": 1,
                      "tasks": [{"name": "t", "image": "%s", "resources": {"cpu_mhz": 100, "memory_mb": 64}}]}]}
                    """.formatted(id, e.getKey())));
            await().atMost(WAIT).until(() -> cluster.running(id).size() == 1);
            assertThat(cluster.running(id).get(0).node()).as(e.getKey()).isEqualTo(e.getValue());
        }
    }

    @Test
    void aGroupsTasksShareOneAllocationThatReservesTheirSum() {
        ActorRef<AgentCommand> agent = cluster.agent(0, FakeAgent.node("a", 4000, 8192, Map.of()));
        // each task alone fits twice on the node, the group once: the engine must count both tasks
        cluster.register(SchedulerCluster.parse("""
                {"id": "pod", "groups": [{"name": "g", "count": 2, "tasks": [
                  {"name": "web", "image": "busybox:1.36", "resources": {"cpu_mhz": 1500, "memory_mb": 64},
                   "ports": [{"label": "http"}]},
                  {"name": "log", "image": "busybox:1.36", "resources": {"cpu_mhz": 1500, "memory_mb": 64},
                   "ports": [{"label": "metrics"}]}]}]}
                """));

        await().atMost(WAIT).until(() -> cluster.ask(SchedulerApi.EvaluationList.class,
                r -> new SchedulerApi.GetEvaluations("pod", r)).blocked() == 1);
        assertThat(cluster.running("pod")).singleElement().satisfies(x -> {
            assertThat(x.ports()).containsOnlyKeys("http", "metrics");
            assertThat(x.ports().get("http")).isNotEqualTo(x.ports().get("metrics"));
        });
        String id = cluster.running("pod").get(0).id();
        assertThat(cluster.received(0, agent)).containsExactly("assign " + id + " web,log");
    }

    @Test
    void aHighPriorityJobThatFitsNowherePreemptsLowerPriorityAllocations() {
        ActorRef<AgentCommand> agent = cluster.agent(0, FakeAgent.node("a", 4000, 8192, Map.of()));
        cluster.register(SchedulerCluster.parse("""
                {"id": "low", "priority": 20, "groups": [{"name": "g", "count": 3, "tasks": [{"name": "t",
                  "image": "busybox:1.36", "resources": {"cpu_mhz": 1200, "memory_mb": 64}}]}]}
                """));
        await().atMost(WAIT).until(() -> cluster.running("low").size() == 3);

        cluster.register(SchedulerCluster.parse("""
                {"id": "high", "priority": 80, "groups": [{"name": "g", "count": 1, "tasks": [{"name": "t",
                  "image": "busybox:1.36", "resources": {"cpu_mhz": 2000, "memory_mb": 64}}]}]}
                """));

        // 400 MHz were free: two of the low allocations make room, the third keeps running
        await().atMost(WAIT).until(() -> cluster.running("high").size() == 1);
        String high = cluster.running("high").get(0).id();
        assertThat(cluster.running("low")).hasSize(1);
        List<String> evicted = cluster.allocations("low").stream().filter(x -> x.desiredStatus().equals("stop"))
                .map(SchedulerApi.AllocationView::id).toList();
        assertThat(evicted).hasSize(2);
        await().atMost(WAIT).until(() -> evicted.stream()
                .allMatch(x -> cluster.holdings(0, agent).get(x) == AllocationState.STOPPED));
        List<String> received = cluster.received(0, agent);
        assertThat(received.indexOf("assign " + high + " t")).as("placed after the stops")
                .isGreaterThan(received.indexOf("stop " + evicted.get(0)))
                .isGreaterThan(received.indexOf("stop " + evicted.get(1)));
        assertThat(received.indexOf("stop " + evicted.get(0))).isNotNegative();
        // the low job waits for capacity, with the reason
        await().atMost(WAIT).until(() -> cluster.ask(SchedulerApi.EvaluationList.class,
                r -> new SchedulerApi.GetEvaluations("low", r)).blocked() == 1);
    }

    @Test
    void aRegisteredJobIsPlacedAndRuns() {
        TestProbe<BerthEvent> events = cluster.kits.get(0).createTestProbe(BerthEvent.class);
        Events.topic(cluster.systems.get(0)).tell(Topic.subscribe(events.ref()));
        List<ActorRef<AgentCommand>> agents = List.of(cluster.agent("a"), cluster.agent("b"), cluster.agent("c"));
        assertThat(cluster.register(SchedulerCluster.service("web", 3, "\"V\": \"1\"", "")))
                .isEqualTo(new JobStore.Registered("web", 0, true));

        await().atMost(WAIT).until(() -> cluster.running("web").size() == 3);
        List<SchedulerApi.AllocationView> running = cluster.running("web");
        assertThat(running).extracting(SchedulerApi.AllocationView::index).containsExactlyInAnyOrder(0, 1, 2);
        assertThat(running).allSatisfy(a -> assertThat(a.ports().get("http")).isBetween(20000, 32000));
        // the agents hold exactly what the scheduler shows
        Set<String> held = agents.stream().flatMap(a -> cluster.holdings(0, a).entrySet().stream())
                .filter(e -> e.getValue() == AllocationState.RUNNING).map(Map.Entry::getKey)
                .collect(Collectors.toSet());
        assertThat(held).isEqualTo(running.stream().map(SchedulerApi.AllocationView::id).collect(Collectors.toSet()));
        SchedulerApi.SchedulerStatus status = cluster.ask(SchedulerApi.SchedulerStatus.class,
                SchedulerApi.GetStatus::new);
        assertThat(status.placementsTotal()).isEqualTo(3);
        assertThat(status.readyNodes()).isEqualTo(3);
        // the event stream heard of it
        List<BerthEvent> heard = events.fishForMessage(WAIT, e -> e.type().equals("AllocationPlaced")
                && e.details().get("name").equals("web.web[2]") ? FishingOutcomes.complete()
                : FishingOutcomes.continueAndIgnore());
        assertThat(heard).last().satisfies(e -> {
            assertThat(e.topic()).isEqualTo("Allocation");
            assertThat(e.details()).containsEntry("job", "web");
        });
    }

    @Test
    void scalingDownStopsTheExtraInstances() {
        ActorRef<AgentCommand> agent = cluster.agent("a");
        cluster.register(SchedulerCluster.service("web", 3, "", ""));
        await().atMost(WAIT).until(() -> cluster.running("web").size() == 3);

        cluster.register(SchedulerCluster.service("web", 1, "", ""));

        await().atMost(WAIT).until(() -> cluster.live("web").size() == 1);
        assertThat(cluster.live("web").get(0).index()).isZero();
        await().atMost(WAIT).until(() -> cluster.holdings(0, agent).values().stream()
                .filter(s -> s == AllocationState.STOPPED).count() == 2);
    }

    @Test
    void aNodesReservedPortsAreNeverGivenOutAndAReservedStaticPortIsExplained() {
        // the dynamic range is 20000-32000: all but its last ten ports reserved, and 80
        NodeInfo info = FakeAgent.node("a", 8000, 8192, Map.of())
                .withReservedPorts(PortRanges.parse("80,20000-31990"));
        cluster.agent(0, info);
        cluster.register(SchedulerCluster.service("web", 10, "", ""));
        await().atMost(WAIT).until(() -> cluster.running("web").size() == 10);
        assertThat(cluster.running("web")).extracting(x -> x.ports().get("http"))
                .allSatisfy(p -> assertThat(p).isBetween(31991, 32000)).doesNotHaveDuplicates();

        Job fixed = SchedulerCluster.parse("""
                {"id": "fixed", "groups": [{"name": "g", "count": 1, "tasks": [{"name": "t",
                  "image": "docker.io/library/busybox:1.36", "resources": {"cpu_mhz": 100, "memory_mb": 64},
                  "network": "bridge", "ports": [{"label": "http", "static": 80}]}]}]}
                """);
        SchedulerApi.PlanResult plan = cluster.ask(SchedulerApi.PlanResult.class,
                r -> new SchedulerApi.PlanJob(fixed, r));
        assertThat(plan.explanation()).contains("constraint \"port 80 reserved on the node\": 1 nodes filtered");
    }

    @Test
    void portsTheAgentReportsInUseByOthersAreNeverGivenOut() {
        ActorRef<AgentCommand> a = cluster.agent("a");
        Job fixed = SchedulerCluster.parse("""
                {"id": "fixed", "groups": [{"name": "g", "count": 1, "tasks": [{"name": "t",
                  "image": "docker.io/library/busybox:1.36", "resources": {"cpu_mhz": 100, "memory_mb": 64},
                  "network": "bridge", "ports": [{"label": "http", "static": 8080}]}]}]}
                """);
        await().atMost(WAIT).until(() -> nodeStatus("a").equals("ready"));
        assertThat(cluster.ask(SchedulerApi.PlanResult.class, r -> new SchedulerApi.PlanJob(fixed, r)).explanation())
                .isEmpty();

        // something on the host listens on 8080 and on all but the last five ports of the dynamic range
        a.tell(new FakeAgent.UsePorts("8080,20000-31995"));

        await().atMost(WAIT).until(() -> cluster.ask(SchedulerApi.PlanResult.class,
                r -> new SchedulerApi.PlanJob(fixed, r)).explanation()
                .contains("constraint \"port 8080 in use on the host by another program\": 1 nodes filtered"));
        cluster.register(SchedulerCluster.service("web", 5, "", ""));
        await().atMost(WAIT).until(() -> cluster.running("web").size() == 5);
        assertThat(cluster.running("web")).extracting(x -> x.ports().get("http"))
                .allSatisfy(p -> assertThat(p).isBetween(31996, 32000)).doesNotHaveDuplicates();
    }

    @Test
    void aSilentNodeGoesDownItsAllocationsMoveAndTheDuplicatesStopWhenItReturns() {
        ActorRef<AgentCommand> a = cluster.agent("a");
        cluster.register(SchedulerCluster.service("web", 2, "", ""));
        await().atMost(WAIT).until(() -> cluster.running("web").size() == 2);
        ActorRef<AgentCommand> b = cluster.agent("b");
        await().atMost(WAIT).until(() -> nodeStatus("b").equals("ready"));

        a.tell(new FakeAgent.Silence(true));

        await().atMost(WAIT).until(() -> nodeStatus("a").equals("down"));
        await().atMost(WAIT).until(() -> cluster.running("web").size() == 2
                && cluster.running("web").stream().allMatch(x -> x.node().equals("b")));
        assertThat(cluster.allocations("web")).filteredOn(x -> x.node().equals("a"))
                .allSatisfy(x -> assertThat(x.clientStatus()).isEqualTo("lost"));

        a.tell(new FakeAgent.Silence(false)); // it comes back, still running its two

        await().atMost(WAIT).until(() -> nodeStatus("a").equals("ready"));
        await().atMost(WAIT).until(() -> cluster.holdings(0, a).values().stream()
                .allMatch(s -> s == AllocationState.STOPPED));
        assertThat(cluster.live("web")).hasSize(2).allSatisfy(x -> assertThat(x.node()).isEqualTo("b"));
        assertThat(cluster.holdings(0, b).values()).containsOnly(AllocationState.RUNNING).hasSize(2);
    }

    @Test
    void aJobThatFitsNowhereIsBlockedWithItsReasonsAndPlacedWhenANodeJoins() {
        cluster.agent("small");
        String json = """
                {"id": "big", "groups": [{"name": "g", "count": 1, "tasks": [{"name": "t",
                  "image": "docker.io/library/busybox:1.36", "resources": {"cpu_mhz": 6000, "memory_mb": 64}}]}]}
                """;
        cluster.register(SchedulerCluster.parse(json));

        await().atMost(WAIT).until(() -> cluster.ask(SchedulerApi.EvaluationList.class,
                r -> new SchedulerApi.GetEvaluations("big", r)).blocked() == 1);
        SchedulerApi.EvaluationView blocked = cluster.ask(SchedulerApi.EvaluationList.class,
                r -> new SchedulerApi.GetEvaluations("big", r)).evaluations().stream()
                .filter(e -> e.status().equals("blocked")).findFirst().orElseThrow();
        assertThat(blocked.failures()).singleElement().satisfies(f -> {
            assertThat(f.unplaced()).isEqualTo(1);
            assertThat(f.exhausted()).containsEntry("cpu", 1);
        });
        SchedulerApi.PlanResult plan = cluster.ask(SchedulerApi.PlanResult.class,
                r -> new SchedulerApi.PlanJob(SchedulerCluster.parse(json), r));
        assertThat(plan.changed()).isFalse();
        assertThat(plan.explanation()).contains("resources exhausted on 1 nodes: cpu");

        cluster.agent(0, FakeAgent.node("large", 8000, 8192, Map.of()));

        await().atMost(WAIT).until(() -> cluster.running("big").size() == 1);
        assertThat(cluster.running("big").get(0).node()).isEqualTo("large");
        assertThat(cluster.ask(SchedulerApi.EvaluationList.class,
                r -> new SchedulerApi.GetEvaluations("big", r)).blocked()).isZero();
    }

    @Test
    void planExplainsEachConstraintWithTheNodesItFiltered() {
        cluster.agent(0, FakeAgent.node("r1-a", 4000, 8192, Map.of("rack", "r1")));
        cluster.agent(0, FakeAgent.node("r2-a", 4000, 8192, Map.of("rack", "r2")));
        cluster.agent(0, FakeAgent.node("r2-b", 4000, 8192, Map.of("rack", "r2")));
        await().atMost(WAIT).until(() -> cluster.ask(SchedulerApi.NodeList.class, SchedulerApi.GetNodes::new)
                .nodes().size() == 3);
        SchedulerApi.PlanResult plan = cluster.ask(SchedulerApi.PlanResult.class, r -> new SchedulerApi.PlanJob(
                SchedulerCluster.parse("""
                {"id": "r3", "constraints": [{"attribute": "meta.rack", "operator": "=", "value": "r3"}],
                 "groups": [{"name": "g", "count": 2, "tasks": [{"name": "t",
                  "image": "docker.io/library/busybox:1.36"}]}]}
                """), r));

        assertThat(plan.changed()).isTrue();
        assertThat(plan.placements()).isEmpty();
        assertThat(plan.failures()).singleElement().satisfies(f -> {
            assertThat(f.unplaced()).isEqualTo(2);
            assertThat(f.nodesEvaluated()).isEqualTo(3);
            assertThat(f.filtered()).hasSize(1).containsValue(3);
        });
        assertThat(plan.groups()).singleElement().satisfies(g -> assertThat(g.unplaced()).isEqualTo(2));
        // a dry run changes nothing
        assertThat(cluster.allocations("r3")).isEmpty();
    }

    @Test
    void aRollingUpdateNeverDropsBelowItsHealthyMinimum() throws Exception {
        for (String n : List.of("a", "b", "c")) {
            cluster.agent(n);
        }
        String update = "{\"max_parallel\": 1, \"min_healthy_time\": \"300ms\", \"healthy_deadline\": \"10s\"}";
        cluster.register(SchedulerCluster.service("web", 4, "\"V\": \"1\"", update));
        await().atMost(WAIT).until(() -> deploymentStatus("web").equals("successful"));
        await().atMost(WAIT).until(() -> cluster.job("web").latest().stable());

        cluster.register(SchedulerCluster.service("web", 4, "\"V\": \"2\"", update));

        int lowest = 4;
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            List<SchedulerApi.AllocationView> live = cluster.live("web");
            lowest = (int) Math.min(lowest, live.stream().filter(x -> Boolean.TRUE.equals(x.healthy())).count());
            if (live.size() == 4 && live.stream().allMatch(x -> x.jobVersion() == 1
                    && Boolean.TRUE.equals(x.healthy()))) {
                break;
            }
            Thread.sleep(20);
        }
        assertThat(cluster.live("web")).hasSize(4).allSatisfy(x -> assertThat(x.jobVersion()).isEqualTo(1));
        assertThat(lowest).as("healthy allocations at the lowest point").isGreaterThanOrEqualTo(3);
        await().atMost(WAIT).until(() -> deploymentStatus("web").equals("successful"));
        await().atMost(WAIT).until(() -> cluster.job("web").version(1).stable());
    }

    @Test
    void canariesRunBesideTheOldVersionUntilPromoted() {
        cluster.agent("a");
        cluster.agent("b");
        String update = "{\"max_parallel\": 2, \"min_healthy_time\": \"200ms\", \"canary\": 1}";
        cluster.register(SchedulerCluster.service("web", 3, "\"V\": \"1\"", update));
        await().atMost(WAIT).until(() -> deploymentStatus("web").equals("successful"));

        cluster.register(SchedulerCluster.service("web", 3, "\"V\": \"2\"", update));

        await().atMost(WAIT).until(() -> deploymentStatus("web").equals("awaiting_promotion"));
        List<SchedulerApi.AllocationView> live = cluster.live("web");
        assertThat(live).filteredOn(x -> x.jobVersion() == 1).singleElement()
                .satisfies(x -> assertThat(x.canary()).isTrue());
        assertThat(live).filteredOn(x -> x.jobVersion() == 0).hasSize(3);

        SchedulerApi.OperationResult promoted = cluster.ask(SchedulerApi.OperationResult.class,
                r -> new SchedulerApi.PromoteDeployment("web", r));
        assertThat(promoted.ok()).isTrue();

        await().atMost(WAIT).until(() -> deploymentStatus("web").equals("successful"));
        assertThat(cluster.live("web")).hasSize(3).allSatisfy(x -> assertThat(x.jobVersion()).isEqualTo(1));
    }

    @Test
    void aFailedDeploymentRevertsToTheLastStableVersion() {
        cluster.agent("a");
        cluster.agent("b");
        String update = "{\"max_parallel\": 1, \"min_healthy_time\": \"200ms\", \"auto_revert\": true}";
        cluster.register(SchedulerCluster.service("web", 2, "\"V\": \"1\"", update));
        await().atMost(WAIT).until(() -> cluster.job("web").version(0).stable());

        cluster.register(SchedulerCluster.service("web", 2, "\"V\": \"2\", \"FAKE_AGENT\": \"unhealthy\"", update));

        // version 1 fails its health, the job store gets version 2 = version 0, which rolls out and succeeds
        await().atMost(WAIT).until(() -> cluster.job("web").latest().version() == 2);
        assertThat(cluster.job("web").latest().job()).isEqualTo(cluster.job("web").version(0).job());
        await().atMost(WAIT).until(() -> deploymentStatus("web").equals("successful")
                && cluster.deployment("web").jobVersion() == 2);
        assertThat(cluster.live("web")).hasSize(2).allSatisfy(x -> assertThat(x.jobVersion()).isEqualTo(2));
    }

    @Test
    void drainingANodeMovesItsAllocationsInStepsOfMaxParallel() throws Exception {
        ActorRef<AgentCommand> a = cluster.agent("a");
        String update = "{\"max_parallel\": 1, \"min_healthy_time\": \"300ms\"}";
        cluster.register(SchedulerCluster.service("web", 3, "", update));
        await().atMost(WAIT).until(() -> cluster.running("web").size() == 3);
        cluster.agent("b");
        await().atMost(WAIT).until(() -> nodeStatus("b").equals("ready"));

        SchedulerApi.OperationResult r = cluster.ask(SchedulerApi.OperationResult.class,
                ref -> new SchedulerApi.DrainNode("a", Duration.ofMinutes(1), true, ref));
        assertThat(r.ok()).isTrue();

        int mostUnhealthy = 0;
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end && !cluster.live("web").stream().allMatch(x -> x.node().equals("b")
                && Boolean.TRUE.equals(x.healthy()))) {
            mostUnhealthy = (int) Math.max(mostUnhealthy, cluster.live("web").stream()
                    .filter(x -> x.node().equals("b") && !Boolean.TRUE.equals(x.healthy())).count());
            Thread.sleep(20);
        }
        assertThat(cluster.live("web")).hasSize(3).allSatisfy(x -> assertThat(x.node()).isEqualTo("b"));
        assertThat(mostUnhealthy).as("replacements not yet healthy at once").isEqualTo(1);
        await().atMost(WAIT).until(() -> {
            SchedulerApi.NodeView n = cluster.ask(SchedulerApi.NodeReply.class,
                    ref -> new SchedulerApi.GetNode("a", ref)).node();
            return !n.draining() && !n.eligible();
        });
        assertThat(cluster.holdings(0, a).values()).containsOnly(AllocationState.STOPPED);
    }

    @Test
    void aDrainDeadlineStopsWhatIsLeft() {
        ActorRef<AgentCommand> a = cluster.agent("a");
        String update = "{\"max_parallel\": 1, \"min_healthy_time\": \"1h\", \"healthy_deadline\": \"2h\"}";
        cluster.register(SchedulerCluster.service("web", 3, "", update));
        await().atMost(WAIT).until(() -> cluster.running("web").size() == 3);
        cluster.agent("b");
        await().atMost(WAIT).until(() -> nodeStatus("b").equals("ready"));

        cluster.ask(SchedulerApi.OperationResult.class,
                ref -> new SchedulerApi.DrainNode("a", Duration.ofSeconds(2), true, ref));

        // the first replacement never turns healthy (min_healthy_time 1h), so only the deadline moves the rest
        await().atMost(WAIT).until(() -> cluster.holdings(0, a).values().stream()
                .allMatch(s -> s == AllocationState.STOPPED));
        await().atMost(WAIT).until(() -> cluster.running("web").size() == 3);
        assertThat(cluster.running("web")).allSatisfy(x -> assertThat(x.node()).isEqualTo("b"));
    }

    @Test
    void aBatchJobCompletesAndIsNotRunAgain() {
        ActorRef<AgentCommand> a = cluster.agent("a");
        cluster.register(SchedulerCluster.parse("""
                {"id": "once", "type": "batch", "groups": [{"name": "g", "count": 2, "tasks": [{"name": "t",
                  "image": "docker.io/library/busybox:1.36", "env": {"FAKE_AGENT": "exit0"}}]}]}
                """));

        await().atMost(WAIT).until(() -> cluster.allocations("once").stream()
                .filter(x -> x.clientStatus().equals("complete")).count() == 2);
        await().atMost(WAIT).until(() -> cluster.holdings(0, a).values().stream()
                .allMatch(s -> s == AllocationState.STOPPED));
        assertThat(cluster.allocations("once")).hasSize(2);
    }

    @Test
    void aFailedAllocationIsRescheduledElsewhereAfterItsDelayWhileItsPolicyAllows() throws Exception {
        cluster.agent("a");
        cluster.agent("b");
        cluster.register(SchedulerCluster.parse("""
                {"id": "flaky", "groups": [{"name": "g", "count": 1,
                  "reschedule": {"attempts": 1, "interval": "1h", "delay": "1s", "delay_function": "constant",
                                 "unlimited": false},
                  "tasks": [{"name": "t", "image": "docker.io/library/busybox:1.36",
                             "env": {"FAKE_AGENT": "fail"}}]}]}
                """));

        await().atMost(WAIT).until(() -> cluster.allocations("flaky").size() == 2
                && cluster.allocations("flaky").stream().allMatch(x -> x.clientStatus().equals("failed")));
        List<SchedulerApi.AllocationView> both = cluster.allocations("flaky");
        SchedulerApi.AllocationView first = both.stream().filter(x -> x.previousAllocation() == null).findFirst()
                .orElseThrow();
        SchedulerApi.AllocationView second = both.stream().filter(x -> first.id().equals(x.previousAllocation()))
                .findFirst().orElseThrow();
        assertThat(second.node()).as("away from the node it failed on").isNotEqualTo(first.node());
        assertThat(Duration.between(first.modifiedAt(), second.createdAt())).isGreaterThanOrEqualTo(
                Duration.ofMillis(900));
        assertThat(second.rescheduleCount()).isEqualTo(1);
        // one attempt in the interval: the slot stays failed
        SchedulerApi.EvaluationList evals = cluster.ask(SchedulerApi.EvaluationList.class,
                r -> new SchedulerApi.GetEvaluations("flaky", r));
        assertThat(evals.queueDepth()).isZero();
        Thread.sleep(1500); // longer than the delay: a third attempt would have been placed by now
        assertThat(cluster.allocations("flaky")).hasSize(2);
    }

    @Test
    void aSystemJobFollowsTheNodeSet() {
        cluster.agent("a");
        cluster.agent("b");
        cluster.register(SchedulerCluster.parse("""
                {"id": "logs", "type": "system", "groups": [{"name": "g", "tasks": [{"name": "t",
                  "image": "docker.io/library/busybox:1.36"}]}]}
                """));
        await().atMost(WAIT).until(() -> cluster.running("logs").size() == 2);

        ActorRef<AgentCommand> c = cluster.agent("c");
        await().atMost(WAIT).until(() -> cluster.running("logs").size() == 3);
        assertThat(cluster.running("logs")).extracting(SchedulerApi.AllocationView::node)
                .containsExactlyInAnyOrder("a", "b", "c");

        c.tell(new FakeAgent.Silence(true));
        await().atMost(WAIT).until(() -> nodeStatus("c").equals("down"));
        await().atMost(WAIT).until(() -> cluster.live("logs").size() == 2);
        assertThat(cluster.live("logs")).extracting(SchedulerApi.AllocationView::node)
                .containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void stoppingAJobStopsItsAllocationsAndPurgingForgetsThem() {
        ActorRef<AgentCommand> a = cluster.agent("a");
        cluster.register(SchedulerCluster.service("web", 2, "", ""));
        await().atMost(WAIT).until(() -> cluster.running("web").size() == 2);

        TestProbe<JobStore.RegisterReply> reply = cluster.kits.get(0).createTestProbe();
        cluster.stores.get(0).tell(new JobStore.StopJob("web", false, reply.ref()));
        assertThat(reply.receiveMessage(WAIT)).isInstanceOf(JobStore.Registered.class);

        await().atMost(WAIT).until(() -> cluster.live("web").isEmpty());
        await().atMost(WAIT).until(() -> cluster.holdings(0, a).values().stream()
                .allMatch(s -> s == AllocationState.STOPPED));
        assertThat(cluster.allocations("web")).hasSize(2);

        cluster.stores.get(0).tell(new JobStore.StopJob("web", true, reply.ref()));
        reply.receiveMessage(WAIT);
        await().atMost(WAIT).until(() -> cluster.allocations("web").isEmpty());
    }

    private String nodeStatus(String name) {
        SchedulerApi.NodeView n = cluster.ask(SchedulerApi.NodeReply.class,
                r -> new SchedulerApi.GetNode(name, r)).node();
        return n == null ? "unknown" : n.status();
    }

    private String deploymentStatus(String job) {
        SchedulerApi.DeploymentView d = cluster.deployment(job);
        return d == null ? "none" : d.status();
    }
}
