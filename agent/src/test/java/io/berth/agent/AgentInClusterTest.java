package io.berth.agent;

import static io.berth.agent.AgentFixture.NO_RESTART;
import static io.berth.agent.AgentFixture.task;
import static io.berth.agent.AgentFixture.until;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.agent.network.NetworkHost;
import io.berth.protocol.cluster.AgentCommand;
import io.berth.protocol.cluster.AllocationPlacement;
import io.berth.protocol.cluster.AllocationReport;
import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.cluster.AllocationStateChanged;
import io.berth.protocol.cluster.AssignAllocation;
import io.berth.protocol.cluster.HeartbeatAck;
import io.berth.protocol.cluster.LeaveAck;
import io.berth.protocol.cluster.LeaveNode;
import io.berth.protocol.cluster.NodeHeartbeat;
import io.berth.protocol.cluster.NodeRegistered;
import io.berth.protocol.cluster.PortRanges;
import io.berth.protocol.cluster.RegisterNode;
import io.berth.protocol.cluster.SchedulerCommand;
import io.berth.protocol.cluster.StopAllocation;
import io.berth.protocol.job.JobType;
import io.berth.protocol.job.NetworkMode;
import io.berth.protocol.job.Port;
import io.berth.protocol.job.Task;
import io.berth.storage.registry.ImagePuller;
import io.berth.storage.registry.RegistryClient;
import io.berth.storage.registry.RetryPolicy;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The agent against a scheduler (a test probe speaking the protocol): registration, heartbeats, drain, bad input. */
class AgentInClusterTest {
    private static AgentFixture f;

    @BeforeAll
    static void setUp() throws Exception {
        f = new AgentFixture();
    }

    @AfterAll
    static void tearDown() throws Exception {
        f.close();
    }

    private static final long HEARTBEAT_MILLIS = 300;

    @Test
    void registersHeartbeatsAndRegistersAgainWhenTheSchedulerLosesIt() throws Exception {
        TestProbe<SchedulerCommand> scheduler = f.kit.createTestProbe();
        AgentConfig config = f.config().withNodeName("node-a").withAskTimeout(Duration.ofSeconds(2))
                .withReservedPorts(PortRanges.parse("8000-8100,22"));
        ActorRef<AgentCommand> agent = f.agent(f.kit, config, scheduler.getRef());

        RegisterNode first = scheduler.expectMessageClass(RegisterNode.class, Duration.ofSeconds(30));
        assertThat(first.node().name()).isEqualTo("node-a");
        assertThat(first.node().reservedPorts()).isEqualTo("22,8000-8100");
        assertThat(first.node().datacenter()).isEqualTo("dc1");
        assertThat(first.node().cpuMhz()).isEqualTo(Runtime.getRuntime().availableProcessors() * 1000);
        assertThat(first.node().memoryMb()).isPositive();
        assertThat(first.node().diskMb()).isPositive();
        assertThat(first.node().os()).isEqualTo("linux");
        assertThat(first.node().cgroupVersion()).isIn(1, 2);
        assertThat(first.agent()).isEqualTo(agent);
        assertThat(first.allocations()).isEmpty();
        // every image by its store name and by its digest, sorted, each once
        String digest = f.images.find(AgentFixture.BUSYBOX).orElseThrow().target().digest().toString();
        assertThat(first.status().images()).containsExactly(AgentFixture.BUSYBOX, digest);
        // unanswered (the scheduler is unreachable): the agent sends it again after its ask-timeout
        RegisterNode again = scheduler.expectMessageClass(RegisterNode.class, Duration.ofSeconds(10));
        again.replyTo().tell(new NodeRegistered("node-a", HEARTBEAT_MILLIS));

        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        agent.tell(new AssignAllocation("hb", "job", 7, JobType.SERVICE, "group",
                List.of(task(List.of("sleep", "1000"), NO_RESTART, List.of(), 48)),
                Map.of(), AllocationPlacement.NONE, events.getRef()));
        until(events, AllocationState.RUNNING);
        NodeHeartbeat busy = await(scheduler, NodeHeartbeat.class, true, h -> h.status().allocations() == 1);
        assertThat(busy.status().usedMemoryMb()).isEqualTo(48);
        assertThat(busy.status().usedCpuMhz()).isEqualTo(100);
        assertThat(busy.status().node()).isEqualTo("node-a");

        // heartbeats go unanswered: after three the agent registers again, its container still running
        RegisterNode afterSilence = await(scheduler, RegisterNode.class, false,
                r -> r.allocations().stream().anyMatch(a -> a.state() == AllocationState.RUNNING));
        assertThat(afterSilence.allocations()).singleElement().satisfies(r -> {
            assertThat(r.allocationId()).isEqualTo("hb");
            assertThat(r.jobId()).isEqualTo("job");
            assertThat(r.jobVersion()).isEqualTo(7);
            assertThat(r.taskGroup()).isEqualTo("group");
            assertThat(r.state()).isEqualTo(AllocationState.RUNNING);
        });
        assertThat(f.runtime.state("hb.main").status()).isEqualTo("running");
        afterSilence.replyTo().tell(new NodeRegistered("node-a", HEARTBEAT_MILLIS));

        agent.tell(new StopAllocation("hb", null));
        AllocationStateChanged stopped = await(scheduler, AllocationStateChanged.class, true,
                c -> c.state() == AllocationState.STOPPED);
        assertThat(stopped.allocationId()).isEqualTo("hb");
        // a scheduler that failed over does not know the node: the new registration still carries the end
        NodeHeartbeat hb = await(scheduler, NodeHeartbeat.class, false, h -> true);
        hb.replyTo().tell(new HeartbeatAck("node-a", false, HEARTBEAT_MILLIS));
        RegisterNode afterFailover = await(scheduler, RegisterNode.class, false,
                r -> r.allocations().stream().anyMatch(a -> a.state() == AllocationState.STOPPED));
        assertThat(afterFailover.allocations()).extracting(AllocationReport::allocationId, AllocationReport::state)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("hb", AllocationState.STOPPED));
        afterFailover.replyTo().tell(new NodeRegistered("node-a", HEARTBEAT_MILLIS));
        // that registration was answered, so the end is heard: the next one leaves it out (were it not heard,
        // every registration would carry it and this would time out)
        NodeHeartbeat next = await(scheduler, NodeHeartbeat.class, false, h -> true);
        next.replyTo().tell(new HeartbeatAck("node-a", false, HEARTBEAT_MILLIS));
        await(scheduler, RegisterNode.class, false, r -> r.allocations().isEmpty());
        f.assertNothingLeft("hb");
        f.kit.stop(agent);
    }

    @Test
    void placementFactsArePersistedAndEchoedInEveryRegistrationAcrossAnAgentRestart() throws Exception {
        AllocationPlacement placement = new AllocationPlacement(3, true, "deploy-7", "before-3",
                List.of(Instant.parse("2026-11-28T01:00:00Z"), Instant.parse("2026-11-28T01:05:30.5Z")));
        TestProbe<SchedulerCommand> scheduler = f.kit.createTestProbe();
        AgentConfig config = f.config().withNodeName("node-p");
        ActorRef<AgentCommand> first = f.agent(f.kit, config, scheduler.getRef());
        scheduler.expectMessageClass(RegisterNode.class, Duration.ofSeconds(30))
                .replyTo().tell(new NodeRegistered("node-p", HEARTBEAT_MILLIS));
        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        first.tell(new AssignAllocation("placed", "job", 2, JobType.SERVICE, "group",
                List.of(task(List.of("sleep", "1000"), NO_RESTART,
                List.of(), 32)), Map.of(), placement, events.getRef()));
        until(events, AllocationState.RUNNING);
        // the scheduler failed over and does not know the node: the registration carries the placement
        await(scheduler, NodeHeartbeat.class, false, h -> h.status().allocations() == 1).replyTo()
                .tell(new HeartbeatAck("node-p", false, HEARTBEAT_MILLIS));
        RegisterNode before = await(scheduler, RegisterNode.class, false, r -> !r.allocations().isEmpty());
        assertThat(before.allocations()).extracting(AllocationReport::allocationId, AllocationReport::placement)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("placed", placement));
        int pid = f.runtime.state("placed.main").pid();
        f.kit.stop(first);
        try (AllocationStore store = AllocationStore.open(config.dataDir().resolve("allocations"))) {
            assertThat(store.all()).singleElement().extracting(Allocation::placement).isEqualTo(placement);
        }

        // a new agent process over the same data directory adopts the container and still reports the placement
        ActorRef<AgentCommand> second = f.agent(f.kit, config, scheduler.getRef());
        RegisterNode after = null;
        boolean adopted = false;
        while (after == null || !adopted) {  // the registration and the adoption come in either order
            SchedulerCommand m = scheduler.receiveMessage(Duration.ofSeconds(30));
            if (m instanceof RegisterNode r && after == null) {
                after = r;
            } else if (m instanceof AllocationStateChanged c) {
                adopted |= c.detail().equals("adopted after an agent restart");
            }
        }
        assertThat(after.allocations()).singleElement().satisfies(r -> {
            assertThat(r.allocationId()).isEqualTo("placed");
            assertThat(r.state()).isEqualTo(AllocationState.RUNNING);
            assertThat(r.placement()).isEqualTo(placement);
        });
        assertThat(f.runtime.state("placed.main").pid()).as("adopted, not started again").isEqualTo(pid);
        after.replyTo().tell(new NodeRegistered("node-p", HEARTBEAT_MILLIS));
        second.tell(new StopAllocation("placed", null));
        await(scheduler, AllocationStateChanged.class, true, c -> c.state() == AllocationState.STOPPED);
        await(scheduler, NodeHeartbeat.class, false, h -> true).replyTo()
                .tell(new HeartbeatAck("node-p", false, HEARTBEAT_MILLIS));
        RegisterNode ended = await(scheduler, RegisterNode.class, false, r -> !r.allocations().isEmpty());
        assertThat(ended.allocations()).singleElement().satisfies(r -> {
            assertThat(r.state()).isEqualTo(AllocationState.STOPPED);
            assertThat(r.placement()).as("unchanged to the end").isEqualTo(placement);
        });
        ended.replyTo().tell(new NodeRegistered("node-p", HEARTBEAT_MILLIS));
        f.assertNothingLeft("placed");
        f.kit.stop(second);
    }

    @Test
    void anEndTheSchedulerHeardBeforeAnAnsweredHeartbeatIsNotReportedAgain() {
        TestProbe<SchedulerCommand> scheduler = f.kit.createTestProbe();
        AgentConfig config = f.config().withNodeName("node-b");
        ActorRef<AgentCommand> agent = f.agent(f.kit, config, scheduler.getRef());
        scheduler.expectMessageClass(RegisterNode.class, Duration.ofSeconds(30))
                .replyTo().tell(new NodeRegistered("node-b", HEARTBEAT_MILLIS));
        agent.tell(new AssignAllocation("quick", "job", 1, JobType.SERVICE, "group",
                List.of(task(List.of("true"), NO_RESTART, List.of(), 32)),
                Map.of(), AllocationPlacement.NONE, null));
        await(scheduler, AllocationStateChanged.class, true, c -> c.state() == AllocationState.FAILED);
        // answered after the end was sent, so the scheduler had it
        await(scheduler, NodeHeartbeat.class, true, h -> true).replyTo()
                .tell(new HeartbeatAck("node-b", true, HEARTBEAT_MILLIS));
        NodeHeartbeat hb = await(scheduler, NodeHeartbeat.class, false, h -> true);
        hb.replyTo().tell(new HeartbeatAck("node-b", false, HEARTBEAT_MILLIS));
        // were the end not heard, every registration would carry it and this would time out
        await(scheduler, RegisterNode.class, false, r -> r.allocations().isEmpty());
        f.kit.stop(agent);
    }

    @Test
    void badInputFailsOnceWithItsReasonAndLeavesNothingBehind() throws Exception {
        TestProbe<SchedulerCommand> scheduler = f.kit.createTestProbe();
        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        try (LocalRegistry registry = LocalRegistry.start(f.dir.resolve("registry"));
             ServerSocket taken = new ServerSocket(0)) {
            ImageFetcher pulls = ImageFetcher.registry(new ImagePuller(RegistryClient.builder().build(), f.images, 2,
                    new RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(50))));
            ActorRef<AgentCommand> agent = f.agent(f.kit, f.config().withNodeName("node-c"), scheduler.getRef(), pulls);
            scheduler.expectMessageClass(RegisterNode.class, Duration.ofSeconds(30))
                    .replyTo().tell(new NodeRegistered("node-c", HEARTBEAT_MILLIS));
            int port = taken.getLocalPort();
            Task web = new Task("web", AgentFixture.BUSYBOX, List.of("httpd", "-f", "-p", "80"), null, null, null,
                    NetworkMode.BRIDGE, List.of(new Port("http", null, 80)), null, null, NO_RESTART, null, null, null);
            Map<String, Task> bad = Map.of(
                    "no-image", new Task("main", registry.hostPort() + "/nothing:1", List.of("true"), null, null, null,
                            NetworkMode.NONE, null, null, null, NO_RESTART, null, null, null),
                    "no-command", task(List.of("/no/such/binary"), NO_RESTART, List.of(), 64),
                    "too-big", task(List.of("true"), NO_RESTART, List.of(), 1 << 30),
                    "port-taken", web);
            Map<String, String> reasons = Map.of(
                    "no-image", "image " + registry.hostPort() + "/nothing:1: ",
                    "no-command", "/no/such/binary",
                    "too-big", "tasks[0].resources.memory_mb: 1073741824 MiB does not fit this node",
                    "port-taken", "host port tcp/" + port + " is already in use on this machine");
            for (var e : bad.entrySet()) {
                agent.tell(new AssignAllocation(e.getKey(), "job", 1, JobType.SERVICE, "group",
                        List.of(e.getValue()), Map.of("http", port), AllocationPlacement.NONE,
                        events.getRef()));
                List<AllocationStateChanged> seen = until(events, AllocationState.FAILED);
                assertThat(seen.get(seen.size() - 1).detail()).as(e.getKey()).contains(reasons.get(e.getKey()));
            }
            events.expectNoMessage(Duration.ofMillis(500));
            List<AllocationStateChanged> heard = new ArrayList<>();
            long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < until) {
                SchedulerCommand m = scheduler.receiveMessage(Duration.ofSeconds(10));
                if (m instanceof AllocationStateChanged c) {
                    heard.add(c);
                } else if (m instanceof NodeHeartbeat h) {
                    h.replyTo().tell(new HeartbeatAck("node-c", true, HEARTBEAT_MILLIS));
                }
            }
            assertThat(heard.stream().filter(c -> c.state() == AllocationState.FAILED))
                    .as("one FAILED per allocation to the scheduler").extracting(AllocationStateChanged::allocationId)
                    .containsExactlyInAnyOrderElementsOf(bad.keySet());
            f.assertNothingLeft(bad.keySet().toArray(String[]::new));
            assertThat(f.dir.resolve("net")).isDirectoryNotContaining(p -> p.getFileName().toString().contains("port-taken"));
            f.kit.stop(agent);
        }
    }

    @Test
    void aGracefulShutdownDrainsOnlyWhenConfiguredTo() throws Exception {
        ActorTestKit keeping = ActorTestKit.create("keeping");
        ActorTestKit draining = ActorTestKit.create("draining");
        AgentConfig keepConfig = f.config();
        AgentConfig drainConfig = f.config().withDrainOnShutdown(true);
        ActorRef<AgentCommand> keeper = f.agent(keeping, keepConfig, null);
        ActorRef<AgentCommand> drainer = f.agent(draining, drainConfig, null);
        TestProbe<AllocationStateChanged> kept = keeping.createTestProbe();
        TestProbe<AllocationStateChanged> drained = draining.createTestProbe();
        keeper.tell(new AssignAllocation("kept", "job", 1, JobType.SERVICE, "group",
                List.of(task(List.of("sleep", "1000"), NO_RESTART, List.of(), 32)),
                Map.of(), AllocationPlacement.NONE, kept.getRef()));
        drainer.tell(new AssignAllocation("drained", "job", 1, JobType.SERVICE, "group",
                List.of(task(List.of("sh", "-c",
                "trap 'exit 0' TERM; while true; do sleep 0.1; done"), NO_RESTART, List.of(), 32)), Map.of(), AllocationPlacement.NONE, drained.getRef()));
        until(kept, AllocationState.RUNNING);
        until(drained, AllocationState.RUNNING);

        keeping.shutdownTestKit();
        draining.shutdownTestKit();

        assertThat(f.runtime.state("kept.main").status()).as("not drained").isEqualTo("running");
        assertThat(f.runtime.list()).extracting(c -> c.id()).doesNotContain("drained.main");
        try (AllocationStore store = AllocationStore.open(drainConfig.dataDir().resolve("allocations"))) {
            assertThat(store.all()).singleElement().satisfies(a -> {
                assertThat(a.state()).isEqualTo(AllocationState.STOPPED);
                assertThat(a.detail()).isEqualTo("exit code 0");
            });
        }
        // the next agent on the kept data directory takes the allocation up; stopping it leaves nothing
        ActorRef<AgentCommand> next = f.agent(keepConfig);
        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        next.tell(new NodeAgent.Subscribe(events.getRef()));
        until(events, AllocationState.RUNNING);
        next.tell(new StopAllocation("kept", null));
        until(events, AllocationState.STOPPED);
        f.assertNothingLeft("kept", "drained");
        f.kit.stop(next);
    }

    @Test
    void theStatusNamesThePortsOthersListenOnOrForwardButNotThoseOfItsAllocations() throws Exception {
        int own;
        try (ServerSocket free = new ServerSocket(0)) {
            own = free.getLocalPort();
        }
        int forwarded = NetworkHost.freePort();
        try (ServerSocket other = new ServerSocket(0);
             AutoCloseable foreign = NetworkHost.foreignPortmapRule(forwarded)) {
            TestProbe<SchedulerCommand> scheduler = f.kit.createTestProbe();
            ActorRef<AgentCommand> agent = f.agent(f.kit, f.config().withNodeName("node-h"), scheduler.getRef());
            await(scheduler, RegisterNode.class, true, r -> true).replyTo()
                    .tell(new NodeRegistered("node-h", HEARTBEAT_MILLIS));
            TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
            Task httpd = new Task("main", AgentFixture.BUSYBOX, List.of("httpd", "-f", "-p", String.valueOf(own)), null,
                    Map.of(), new io.berth.protocol.job.Resources(100, 32, 0), NetworkMode.HOST,
                    List.of(new Port("http", own, null)), null, List.of(), NO_RESTART, null, Duration.ofSeconds(2),
                    null);
            agent.tell(new AssignAllocation("host-port", "job", 1, JobType.SERVICE, "group", List.of(httpd),
                    Map.of("http", own), AllocationPlacement.NONE, events.getRef()));
            until(events, AllocationState.RUNNING);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!ListeningPorts.current().contains(own) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(ListeningPorts.current()).as("the task listens on the host").contains(own);
            Instant listening = Instant.now();

            // the agent reads portmap's rules at most every 10 s: a heartbeat names the forwarded port by then
            NodeHeartbeat h = await(scheduler, NodeHeartbeat.class, true, b -> b.status().at().isAfter(listening)
                    && PortRanges.parse(b.status().hostPortsInUse()).contains(forwarded));
            PortRanges inUse = PortRanges.parse(h.status().hostPortsInUse());
            assertThat(inUse.contains(other.getLocalPort())).as("another program's port").isTrue();
            assertThat(inUse.contains(own)).as("its own allocation's port").isFalse();

            agent.tell(new StopAllocation("host-port", null));
            until(events, AllocationState.STOPPED);
            f.kit.stop(agent);
        }
        f.assertNothingLeft("host-port");
    }

    @Test
    void aDrainingAgentTellsTheSchedulerItLeavesBeforeItStopsItsAllocationsAndWaitsOnlySoLong() throws Exception {
        for (boolean answered : List.of(true, false)) {
            String id = answered ? "leaves" : "leaves-unheard";
            ActorTestKit kit = ActorTestKit.create("leaving");
            TestProbe<SchedulerCommand> scheduler = f.kit.createTestProbe();
            // answered: a long timeout, which the drain must not wait out; unanswered: a short one, which it must
            Duration askTimeout = Duration.ofSeconds(answered ? 15 : 2);
            AgentConfig config = f.config().withNodeName("node-l").withDrainOnShutdown(true).withAskTimeout(askTimeout);
            ActorRef<AgentCommand> agent = f.agent(kit, config, scheduler.getRef());
            await(scheduler, RegisterNode.class, true, r -> true).replyTo()
                    .tell(new NodeRegistered("node-l", HEARTBEAT_MILLIS));
            TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
            agent.tell(new AssignAllocation(id, "job", 1, JobType.SERVICE, "group", List.of(task(List.of("sh", "-c",
                    "trap 'exit 0' TERM; while true; do sleep 0.1; done"), NO_RESTART, List.of(), 32)), Map.of(),
                    AllocationPlacement.NONE, events.getRef()));
            until(events, AllocationState.RUNNING);

            var shutdown = java.util.concurrent.CompletableFuture.runAsync(kit::shutdownTestKit);
            LeaveNode leave = await(scheduler, LeaveNode.class, true, l -> true);
            long askedAt = System.nanoTime();
            assertThat(leave.node()).isEqualTo("node-l");
            assertThat(f.runtime.state(id + ".main").status()).as("still running until the scheduler answers")
                    .isEqualTo("running");
            // from the start of the drain, nothing new is taken
            TestProbe<AllocationStateChanged> late = f.kit.createTestProbe();
            agent.tell(new AssignAllocation("late", "job", 1, JobType.SERVICE, "group",
                    List.of(task(List.of("sleep", "1000"), NO_RESTART, List.of(), 32)), Map.of(),
                    AllocationPlacement.NONE, late.getRef()));
            assertThat(late.receiveMessage(Duration.ofSeconds(10)).detail()).contains("shutting down");
            if (answered) {
                leave.replyTo().tell(new LeaveAck("node-l", true));
            }
            AllocationStateChanged stopped = await(scheduler, AllocationStateChanged.class, true,
                    c -> c.allocationId().equals(id) && c.state() == AllocationState.STOPPED);
            assertThat(stopped.detail()).isEqualTo("exit code 0");
            Duration waited = Duration.ofNanos(System.nanoTime() - askedAt);
            if (answered) {
                assertThat(waited).as("stopped once the scheduler answered").isLessThan(askTimeout);
            } else {
                assertThat(waited).as("no answer: it waited its ask-timeout, then drained")
                        .isGreaterThanOrEqualTo(askTimeout.minusMillis(100));
            }
            shutdown.get(60, java.util.concurrent.TimeUnit.SECONDS);
            f.assertNothingLeft(id, "late");
        }
    }

    @Test
    void aDrainingAgentThatIsNotRegisteredStopsAtOnceWithoutAskingTheScheduler() throws Exception {
        ActorTestKit kit = ActorTestKit.create("unregistered");
        TestProbe<SchedulerCommand> scheduler = f.kit.createTestProbe();
        AgentConfig config = f.config().withNodeName("node-u").withDrainOnShutdown(true)
                .withAskTimeout(Duration.ofSeconds(15));
        ActorRef<AgentCommand> agent = f.agent(kit, config, scheduler.getRef());
        scheduler.expectMessageClass(RegisterNode.class, Duration.ofSeconds(30)); // never answered
        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        agent.tell(new AssignAllocation("unheard", "job", 1, JobType.SERVICE, "group", List.of(task(List.of("sh", "-c",
                "trap 'exit 0' TERM; while true; do sleep 0.1; done"), NO_RESTART, List.of(), 32)), Map.of(),
                AllocationPlacement.NONE, events.getRef()));
        until(events, AllocationState.RUNNING);

        long start = System.nanoTime();
        kit.shutdownTestKit();

        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("no wait for an answer").isLessThan(
                Duration.ofSeconds(15));
        assertThat(until(events, AllocationState.STOPPED)).last().extracting(AllocationStateChanged::detail)
                .isEqualTo("exit code 0");
        List<SchedulerCommand> sent = new ArrayList<>();
        while (true) {
            try {
                sent.add(scheduler.receiveMessage(Duration.ofMillis(200)));
            } catch (AssertionError drained) {
                break;
            }
        }
        assertThat(sent).noneMatch(LeaveNode.class::isInstance);
        f.assertNothingLeft("unheard");
    }

    /**
     * Receives what the agent sends the scheduler until a {@code type} that {@code match}es, dropping the rest;
     * heartbeats and registrations on the way are answered when {@code answer} (a scheduler that keeps up),
     * else left unanswered.
     */
    private static <T extends SchedulerCommand> T await(TestProbe<SchedulerCommand> scheduler, Class<T> type,
                                                         boolean answer, Predicate<T> match) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            SchedulerCommand m = scheduler.receiveMessage(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (type.isInstance(m) && match.test(type.cast(m))) {
                return type.cast(m);
            }
            if (answer && m instanceof NodeHeartbeat h) {
                h.replyTo().tell(new HeartbeatAck(h.status().node(), true, HEARTBEAT_MILLIS));
            }
            if (answer && m instanceof RegisterNode r) {
                r.replyTo().tell(new NodeRegistered(r.node().name(), HEARTBEAT_MILLIS));
            }
        }
    }
}
