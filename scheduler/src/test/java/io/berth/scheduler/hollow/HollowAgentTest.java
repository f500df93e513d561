package io.berth.scheduler.hollow;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.protocol.cluster.AllocationPlacement;
import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.cluster.AllocationStateChanged;
import io.berth.protocol.cluster.AllocationStats;
import io.berth.protocol.cluster.AssignAllocation;
import io.berth.protocol.cluster.GetAllocationStats;
import io.berth.protocol.cluster.HeartbeatAck;
import io.berth.protocol.cluster.LogLines;
import io.berth.protocol.cluster.LogStream;
import io.berth.protocol.cluster.NodeHeartbeat;
import io.berth.protocol.cluster.NodeRegistered;
import io.berth.protocol.cluster.RegisterNode;
import io.berth.protocol.cluster.RestartAllocation;
import io.berth.protocol.cluster.SchedulerCommand;
import io.berth.protocol.cluster.SignalAllocation;
import io.berth.protocol.cluster.TailLogs;
import io.berth.protocol.cluster.StopAllocation;
import io.berth.protocol.cluster.StopAnswer;
import io.berth.protocol.job.JobType;
import io.berth.protocol.job.Resources;
import io.berth.protocol.job.Task;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Hollow nodes against a probe standing in for the scheduler singleton. */
class HollowAgentTest {
    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final Duration WAIT = Duration.ofSeconds(5);

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    private static HollowSettings fast() {
        return HollowSettings.defaults().withTiming(Duration.ofMillis(50), Duration.ofSeconds(30))
                .withPlacement("dc2", Map.of("rack", "r7"));
    }

    private static Task task(String image) {
        return new Task("web", image, null, null, null, new Resources(250, 64, 0), null, null, null, null, null,
                null, null, null);
    }

    private static AssignAllocation assign(String id) {
        return new AssignAllocation(id, "web", 3, JobType.SERVICE, "frontend", List.of(task("busybox:1.36")),
                Map.of("http", 21000), placement(id), null);
    }

    /** Made-up placement facts, distinct per allocation, that the agent must echo. */
    private static AllocationPlacement placement(String id) {
        return new AllocationPlacement(id.hashCode() & 7, true, "dep-" + id, "before-" + id,
                List.of(Instant.parse("2026-11-28T01:00:00Z")));
    }

    /** Starts a fleet and answers every node's registration; returns the registrations by node name. */
    private static Map<String, RegisterNode> registeredFleet(TestProbe<SchedulerCommand> scheduler, int count,
                                                             HollowSettings settings, HollowFleet.Counters counters,
                                                             long heartbeatMillis) {
        KIT.spawn(HollowFleet.create(0, count, settings, scheduler.getRef(), counters));
        Map<String, RegisterNode> byName = new HashMap<>();
        for (int i = 0; i < count; i++) {
            RegisterNode r = scheduler.expectMessageClass(RegisterNode.class, WAIT);
            byName.put(r.node().name(), r);
            r.replyTo().tell(new NodeRegistered(r.node().name(), heartbeatMillis));
        }
        return byName;
    }

    /** The next messages that are not heartbeats, up to {@code n} of them. */
    private static List<SchedulerCommand> nonHeartbeats(TestProbe<SchedulerCommand> scheduler, int n) {
        List<SchedulerCommand> got = new ArrayList<>();
        while (got.size() < n) {
            SchedulerCommand m = scheduler.receiveMessage(WAIT);
            if (!(m instanceof NodeHeartbeat)) {
                got.add(m);
            }
        }
        return got;
    }

    private static List<AllocationState> states(List<SchedulerCommand> messages) {
        return messages.stream().map(m -> ((AllocationStateChanged) m).state()).toList();
    }

    @Test
    void registersItsNodesWithWhatTheyOfferThenHeartbeatsOnTheSharedTick() {
        TestProbe<SchedulerCommand> scheduler = KIT.createTestProbe(SchedulerCommand.class);
        HollowFleet.Counters counters = new HollowFleet.Counters();
        Map<String, RegisterNode> regs = registeredFleet(scheduler, 3, fast(), counters, 200);

        assertThat(regs).containsOnlyKeys("hollow-00000", "hollow-00001", "hollow-00002");
        RegisterNode first = regs.get("hollow-00000");
        assertThat(first.node().datacenter()).isEqualTo("dc2");
        assertThat(first.node().labels()).containsEntry("rack", "r7");
        assertThat(first.node().cpuMhz()).isEqualTo(4_000);
        assertThat(first.allocations()).isEmpty();
        // every node heartbeats, more than once, each to its own name
        Map<String, Integer> beats = new HashMap<>();
        while (beats.size() < 3 || beats.values().stream().anyMatch(c -> c < 2)) {
            NodeHeartbeat hb = scheduler.expectMessageClass(NodeHeartbeat.class, WAIT);
            beats.merge(hb.status().node(), 1, Integer::sum);
        }
        assertThat(counters.registered.get()).isEqualTo(3);
    }

    @Test
    void aGroupsTasksReserveTheirSumAndEveryImageIsListedAsAStoreWould() {
        TestProbe<SchedulerCommand> scheduler = KIT.createTestProbe(SchedulerCommand.class);
        RegisterNode reg = registeredFleet(scheduler, 1, fast(), new HollowFleet.Counters(), 100).get("hollow-00000");
        String pinned = "sha256:" + "c".repeat(64);
        Task web = task("busybox:1.36");
        Task log = new Task("log", "alpine@" + pinned, null, null, null, new Resources(50, 16, 0), null, null, null,
                null, null, null, null, null);
        reg.agent().tell(new AssignAllocation("pod-1", "web", 3, JobType.SERVICE, "frontend", List.of(web, log), Map.of(),
                placement("pod-1"), null));
        assertThat(states(nonHeartbeats(scheduler, 4))).endsWith(AllocationState.RUNNING);

        NodeHeartbeat hb = scheduler.expectMessageClass(NodeHeartbeat.class, WAIT);
        assertThat(hb.status().usedCpuMhz()).isEqualTo(250 + 50);
        assertThat(hb.status().usedMemoryMb()).isEqualTo(64 + 16);
        // the tagged image by its store name and a digest; the pinned one by its store name and its own digest
        assertThat(hb.status().images()).hasSize(4).contains("docker.io/library/busybox:1.36",
                "docker.io/library/alpine@" + pinned, pinned);
    }

    @Test
    void resendsAnUnansweredRegistration() {
        TestProbe<SchedulerCommand> scheduler = KIT.createTestProbe(SchedulerCommand.class);
        HollowSettings settings = fast().withTiming(Duration.ofMillis(50), Duration.ofMillis(300));
        KIT.spawn(HollowFleet.create(10, 1, settings, scheduler.getRef(), new HollowFleet.Counters()));

        RegisterNode once = scheduler.expectMessageClass(RegisterNode.class, WAIT);
        RegisterNode again = scheduler.expectMessageClass(RegisterNode.class, WAIT);
        assertThat(again.node().name()).isEqualTo(once.node().name()).isEqualTo("hollow-00010");
        again.replyTo().tell(new NodeRegistered("hollow-00010", 60_000));
        scheduler.expectNoMessage(Duration.ofMillis(600));
    }

    @Test
    void reportsEveryStateUpToRunningAndStoppedOnStop() {
        TestProbe<SchedulerCommand> scheduler = KIT.createTestProbe(SchedulerCommand.class);
        HollowFleet.Counters counters = new HollowFleet.Counters();
        RegisterNode reg = registeredFleet(scheduler, 1, fast(), counters, 60_000).get("hollow-00000");
        TestProbe<StopAnswer> stops = KIT.createTestProbe(StopAnswer.class);

        reg.agent().tell(assign("a-1"));
        List<SchedulerCommand> changes = nonHeartbeats(scheduler, 4);
        assertThat(states(changes)).containsExactly(AllocationState.PENDING, AllocationState.PULLING,
                AllocationState.STARTING, AllocationState.RUNNING);
        assertThat(changes).allSatisfy(c -> assertThat(((AllocationStateChanged) c).allocationId()).isEqualTo("a-1"));
        assertThat(counters.running.get()).isEqualTo(1);

        reg.agent().tell(new StopAllocation("a-1", stops.getRef()));
        assertThat(stops.receiveMessage(WAIT).accepted()).isTrue();
        assertThat(states(nonHeartbeats(scheduler, 1))).containsExactly(AllocationState.STOPPED);
        assertThat(counters.running.get()).isZero();

        reg.agent().tell(new StopAllocation("a-1", stops.getRef()));
        StopAnswer again = stops.receiveMessage(WAIT);
        assertThat(again.accepted()).isFalse();
        assertThat(again.reason()).contains("STOPPED");
        reg.agent().tell(new StopAllocation("nope", stops.getRef()));
        assertThat(stops.receiveMessage(WAIT).reason()).contains("unknown allocation nope");
    }

    @Test
    void takesItsDelaysAndPullsAnImageOnlyOnce() {
        TestProbe<SchedulerCommand> scheduler = KIT.createTestProbe(SchedulerCommand.class);
        HollowSettings slow = fast().withDelays(Duration.ofMillis(100), Duration.ofMillis(400));
        RegisterNode reg = registeredFleet(scheduler, 1, slow, new HollowFleet.Counters(), 60_000)
                .get("hollow-00000");

        long start = System.nanoTime();
        reg.agent().tell(assign("a-1"));
        nonHeartbeats(scheduler, 4);
        long firstMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(firstMillis).isGreaterThanOrEqualTo(3 * 100 + 400);

        start = System.nanoTime();
        reg.agent().tell(assign("a-2"));
        List<SchedulerCommand> second = nonHeartbeats(scheduler, 4);
        long secondMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(states(second)).endsWith(AllocationState.RUNNING);
        assertThat(((AllocationStateChanged) second.get(1)).detail()).isEqualTo("image present");
        assertThat(secondMillis).isGreaterThanOrEqualTo(300).isLessThan(firstMillis);
    }

    @Test
    void registersAgainWithItsAllocationsWhenTheSchedulerForgetsIt() {
        TestProbe<SchedulerCommand> scheduler = KIT.createTestProbe(SchedulerCommand.class);
        HollowFleet.Counters counters = new HollowFleet.Counters();
        RegisterNode reg = registeredFleet(scheduler, 1, fast(), counters, 100).get("hollow-00000");
        reg.agent().tell(assign("a-1"));
        reg.agent().tell(assign("a-2"));
        nonHeartbeats(scheduler, 8);
        reg.agent().tell(new StopAllocation("a-2", null));
        nonHeartbeats(scheduler, 1);

        NodeHeartbeat hb = scheduler.expectMessageClass(NodeHeartbeat.class, WAIT);
        assertThat(hb.status().allocations()).isEqualTo(1);
        assertThat(hb.status().usedCpuMhz()).isEqualTo(250);
        // as a real agent's store lists it: the store name of the task's reference, and a digest
        assertThat(hb.status().images()).hasSize(2).contains("docker.io/library/busybox:1.36")
                .anySatisfy(d -> assertThat(d).startsWith("sha256:"));
        hb.replyTo().tell(new HeartbeatAck("hollow-00000", false, 100));

        // a heartbeat sent before the agent read the answer may still arrive first
        RegisterNode again = (RegisterNode) nonHeartbeats(scheduler, 1).get(0);
        assertThat(again.allocations()).singleElement().satisfies(a -> {
            assertThat(a.allocationId()).isEqualTo("a-1");
            assertThat(a.state()).isEqualTo(AllocationState.RUNNING);
            assertThat(a.jobVersion()).isEqualTo(3);
            assertThat(a.hostPorts()).containsEntry("http", 21000);
            assertThat(a.placement()).isEqualTo(placement("a-1"));
        });
        assertThat(counters.registered.get()).isZero();
        again.replyTo().tell(new NodeRegistered("hollow-00000", 100));
        scheduler.expectMessageClass(NodeHeartbeat.class, WAIT);
        assertThat(counters.registered.get()).isEqualTo(1);
    }

    @Test
    void restartsARunningTaskAsTheRealAgentReportsIt() {
        TestProbe<SchedulerCommand> scheduler = KIT.createTestProbe(SchedulerCommand.class);
        HollowFleet.Counters counters = new HollowFleet.Counters();
        RegisterNode reg = registeredFleet(scheduler, 1, fast(), counters, 60_000).get("hollow-00000");
        TestProbe<StopAnswer> answers = KIT.createTestProbe(StopAnswer.class);
        reg.agent().tell(new RestartAllocation("a-1", null, answers.getRef()));
        assertThat(answers.receiveMessage(WAIT).reason()).contains("unknown allocation a-1");

        reg.agent().tell(assign("a-1"));
        nonHeartbeats(scheduler, 4);
        reg.agent().tell(new RestartAllocation("a-1", null, answers.getRef()));
        assertThat(answers.receiveMessage(WAIT).accepted()).isTrue();
        List<SchedulerCommand> restart = nonHeartbeats(scheduler, 3);
        assertThat(states(restart)).containsExactly(AllocationState.EXITED, AllocationState.STARTING,
                AllocationState.RUNNING);
        assertThat(((AllocationStateChanged) restart.get(0)).exitCode()).isEqualTo(143);
        assertThat(counters.running.get()).isEqualTo(1);

        reg.agent().tell(new SignalAllocation("a-1", null, "SIGHUP", answers.getRef()));
        assertThat(answers.receiveMessage(WAIT).accepted()).isTrue();
        TestProbe<LogLines> logs = KIT.createTestProbe(LogLines.class);
        reg.agent().tell(new TailLogs("a-1", null, LogStream.STDOUT, 10, logs.getRef()));
        assertThat(logs.receiveMessage(WAIT)).satisfies(l -> {
            assertThat(l.text()).isEmpty();
            assertThat(l.error()).isEmpty();
        });
        TestProbe<AllocationStats> stats = KIT.createTestProbe(AllocationStats.class);
        reg.agent().tell(new GetAllocationStats("nope", null, stats.getRef()));
        assertThat(stats.receiveMessage(WAIT).error()).contains("unknown allocation nope");
    }

    @Test
    void answersAReSentAssignmentWithTheCurrentState() {
        TestProbe<SchedulerCommand> scheduler = KIT.createTestProbe(SchedulerCommand.class);
        HollowFleet.Counters counters = new HollowFleet.Counters();
        RegisterNode reg = registeredFleet(scheduler, 1, fast(), counters, 60_000).get("hollow-00000");
        TestProbe<AllocationStateChanged> watcher = KIT.createTestProbe(AllocationStateChanged.class);
        reg.agent().tell(assign("a-1"));
        nonHeartbeats(scheduler, 4);

        AssignAllocation resent = new AssignAllocation("a-1", "web", 3, JobType.SERVICE, "frontend",
                List.of(task("docker.io/library/busybox:1.36")), Map.of(), AllocationPlacement.NONE, watcher.getRef());
        reg.agent().tell(resent);
        assertThat(watcher.receiveMessage(WAIT).state()).isEqualTo(AllocationState.RUNNING);
        assertThat(counters.assigned.get()).isEqualTo(1);
    }
}
