package io.berth.agent;

import static io.berth.agent.AgentFixture.NO_RESTART;
import static io.berth.agent.AgentFixture.task;
import static io.berth.agent.AgentFixture.until;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.protocol.cluster.AgentCommand;
import io.berth.protocol.cluster.AllocationPlacement;
import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.cluster.AllocationStateChanged;
import io.berth.protocol.cluster.AllocationStats;
import io.berth.protocol.cluster.AssignAllocation;
import io.berth.protocol.cluster.FollowLogs;
import io.berth.protocol.cluster.GetAllocationStats;
import io.berth.protocol.cluster.LogChunk;
import io.berth.protocol.cluster.LogLines;
import io.berth.protocol.cluster.LogStream;
import io.berth.protocol.cluster.RestartAllocation;
import io.berth.protocol.cluster.SignalAllocation;
import io.berth.protocol.cluster.StopAllocation;
import io.berth.protocol.cluster.StopAnswer;
import io.berth.protocol.cluster.TailLogs;
import io.berth.protocol.cluster.UnfollowLogs;
import io.berth.protocol.job.HealthCheck;
import io.berth.protocol.job.JobType;
import io.berth.protocol.job.RestartPolicy;
import io.berth.protocol.job.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class NodeAgentTest {
    private static AgentFixture f;

    @BeforeAll
    static void setUp() throws Exception {
        f = new AgentFixture();
    }

    @AfterAll
    static void tearDown() throws Exception {
        f.close();
    }

    @Test
    void assignedTaskRunsAndStopsGracefully() throws Exception {
        AgentConfig config = f.config();
        ActorRef<AgentCommand> agent = f.agent(config);
        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        Task t = task(List.of("sh", "-c", "echo hello from $BERTH_ALLOC_ID; trap 'echo bye; exit 0' TERM; "
                + "while true; do sleep 0.2; done"), NO_RESTART, List.of(), 64);
        agent.tell(new AssignAllocation("run-1", "job", 1, JobType.SERVICE, "group",
                List.of(t), Map.of(), AllocationPlacement.NONE, events.getRef()));

        List<AllocationStateChanged> seen = until(events, AllocationState.RUNNING);
        assertThat(seen).extracting(AllocationStateChanged::state).containsExactly(AllocationState.PENDING,
                AllocationState.PULLING, AllocationState.STARTING, AllocationState.RUNNING);
        TestProbe<AllocationStateChanged> again = f.kit.createTestProbe();
        agent.tell(new AssignAllocation("run-1", "job", 1, JobType.SERVICE, "group",
                List.of(t), Map.of(), AllocationPlacement.NONE, again.getRef()));
        assertThat(again.receiveMessage(Duration.ofSeconds(10)).state()).as("a re-sent assignment is told where it stands")
                .isEqualTo(AllocationState.RUNNING);

        TestProbe<LogLines> logs = f.kit.createTestProbe();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            agent.tell(new TailLogs("run-1", null, LogStream.STDOUT, 10, logs.getRef()));
            assertThat(logs.receiveMessage(Duration.ofSeconds(10)).text()).isEqualTo("hello from run-1\n");
        });
        TestProbe<AllocationStats> stats = f.kit.createTestProbe();
        agent.tell(new GetAllocationStats("run-1", null, stats.getRef()));
        AllocationStats s = stats.receiveMessage(Duration.ofSeconds(10));
        assertThat(s.error()).isEmpty();
        assertThat(s.memoryBytes()).isPositive();
        assertThat(s.memoryMaxBytes()).isGreaterThanOrEqualTo(s.memoryBytes());
        assertThat(s.cpuNanos()).isPositive();
        assertThat(s.pids()).isPositive();
        assertThat(Files.readString(Path.of("/sys/fs/cgroup/memory/berth/run-1/main/memory.limit_in_bytes")).trim())
                .isEqualTo(Long.toString(64L << 20));
        assertThat(List.of("/sys/fs/cgroup/memory/berth/run-1/main", "/sys/fs/cgroup/berth/run-1/main"))
                .as("the cgroup that assertNothingLeft looks for").anyMatch(p -> Files.isDirectory(Path.of(p)));

        TestProbe<StopAnswer> answers = f.kit.createTestProbe();
        agent.tell(new StopAllocation("run-1", answers.getRef()));
        assertThat(answers.receiveMessage(Duration.ofSeconds(10)).accepted()).isTrue();
        AllocationStateChanged stopped = events.receiveMessage(Duration.ofSeconds(30));
        assertThat(stopped.state()).isEqualTo(AllocationState.STOPPED);
        assertThat(stopped.detail()).as("the task ran its TERM trap").isEqualTo("exit code 0");
        assertThat(again.receiveMessage(Duration.ofSeconds(10)).state()).isEqualTo(AllocationState.STOPPED);
        assertThat(Files.readString(config.dataDir().resolve("allocs/run-1/tasks/main/logs/stdout.log")))
                .isEqualTo("hello from run-1\nbye\n");
        f.assertNothingLeft("run-1");
        f.kit.stop(agent);
    }

    @Test
    void wrongInputIsAnsweredClearlyAndLeavesNothing() throws Exception {
        ActorRef<AgentCommand> agent = f.agent(f.config());
        TestProbe<StopAnswer> answers = f.kit.createTestProbe();
        agent.tell(new StopAllocation("nope", answers.getRef()));
        StopAnswer a = answers.receiveMessage(Duration.ofSeconds(10));
        assertThat(a.accepted()).isFalse();
        assertThat(a.reason()).isEqualTo("allocation_id: no allocation 'nope' on this agent");

        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        Task ok = task(List.of("true"), NO_RESTART, List.of(), 64);
        agent.tell(new AssignAllocation("bad/id", "job", 1, JobType.SERVICE, "group",
                List.of(ok), Map.of(), AllocationPlacement.NONE, events.getRef()));
        assertFailed(events, "allocation_id: 'bad/id' is not 1-128 characters of letters, digits, '_' and '-' "
                + "starting with a letter or digit");

        agent.tell(new AssignAllocation("tiny", "job", 1, JobType.SERVICE, "group",
                List.of(task(List.of("true"), NO_RESTART, List.of(), 1)),
                Map.of(), AllocationPlacement.NONE, events.getRef()));
        assertFailed(events, "tasks[0].resources.memory_mb: must be at least 4, was 1");

        agent.tell(new AssignAllocation("huge", "job", 1, JobType.SERVICE, "group",
                List.of(task(List.of("true"), NO_RESTART, List.of(), 1 << 30)),
                Map.of(), AllocationPlacement.NONE, events.getRef()));
        assertThat(assertFailed(events, null).detail()).startsWith("tasks[0].resources.memory_mb: 1073741824 MiB does not fit this node");

        Task missingImage = new Task("main", "example.com/nothing:1", List.of("true"), null, null, null,
                io.berth.protocol.job.NetworkMode.NONE, null, null, null, NO_RESTART, null, null, null);
        agent.tell(new AssignAllocation("no-image", "job", 1, JobType.SERVICE, "group",
                List.of(missingImage), Map.of(), AllocationPlacement.NONE, events.getRef()));
        assertThat(until(events, AllocationState.FAILED).get(2).detail())
                .contains("example.com/nothing:1 is not in the local image store");

        agent.tell(new AssignAllocation("no-command", "job", 1, JobType.SERVICE, "group",
                List.of(task(List.of("/no/such/binary"), NO_RESTART,
                List.of(), 64)), Map.of(), AllocationPlacement.NONE, events.getRef()));
        List<AllocationStateChanged> seen = until(events, AllocationState.FAILED);
        assertThat(seen.get(seen.size() - 1).detail()).contains("/no/such/binary");
        events.expectNoMessage(Duration.ofMillis(500));
        f.assertNothingLeft("no-image", "no-command");

        agent.tell(new AssignAllocation("no-command", "job", 1, JobType.SERVICE, "group",
                List.of(task(List.of("/no/such/binary"), NO_RESTART,
                List.of(), 64)), Map.of(), AllocationPlacement.NONE, events.getRef()));
        AllocationStateChanged again = events.receiveMessage(Duration.ofSeconds(10));
        assertThat(again.state()).as("a re-sent Assign is told the final state").isEqualTo(AllocationState.FAILED);
        assertThat(again.detail()).isEqualTo("already FAILED");
        f.kit.stop(agent);
    }

    @Test
    void crashLoopRestartsWithBackoffThenFails() {
        ActorRef<AgentCommand> agent = f.agent(f.config());
        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        RestartPolicy policy = new RestartPolicy(3, Duration.ofMinutes(10), Duration.ofMillis(400),
                Duration.ofMillis(1000), RestartPolicy.Mode.FAIL);
        agent.tell(new AssignAllocation("crash", "job", 1, JobType.SERVICE, "group",
                List.of(task(List.of("sh", "-c", "exit 3"), policy, List.of(), 64)),
                Map.of(), AllocationPlacement.NONE, events.getRef()));
        List<AllocationStateChanged> seen = until(events, AllocationState.FAILED);
        List<AllocationStateChanged> exits = seen.stream().filter(c -> c.state() == AllocationState.EXITED).toList();
        assertThat(exits).hasSize(4).allSatisfy(c -> assertThat(c.exitCode()).isEqualTo(3));
        List<AllocationStateChanged> starts = seen.stream().filter(c -> c.state() == AllocationState.STARTING).toList();
        assertThat(starts).hasSize(4);
        // the wait before restart n: 400 ms doubled per restart, capped at 1 s; only lower bounds, the machine may be slow
        List<Duration> expected = List.of(Duration.ofMillis(400), Duration.ofMillis(800), Duration.ofMillis(1000));
        for (int i = 0; i < 3; i++) {
            assertThat(Duration.between(exits.get(i).at(), starts.get(i + 1).at()))
                    .as("wait before restart %d", i + 1).isGreaterThanOrEqualTo(expected.get(i));
        }
        assertThat(seen.get(seen.size() - 1).detail()).isEqualTo("restart policy exhausted: 3 restarts within PT10M");
        f.kit.stop(agent);
    }

    @Test
    void theAssignmentsJobTypeDecidesWhetherATaskThatExitedZeroRunsAgain() {
        ActorRef<AgentCommand> agent = f.agent(f.config());
        RestartPolicy policy = new RestartPolicy(3, Duration.ofMinutes(10), Duration.ofMillis(100),
                Duration.ofMillis(100), RestartPolicy.Mode.FAIL);
        Task once = task(List.of("true"), policy, List.of(), 64);

        TestProbe<AllocationStateChanged> batch = f.kit.createTestProbe();
        agent.tell(new AssignAllocation("batch-0", "job", 1, JobType.BATCH, "group", List.of(once), Map.of(),
                AllocationPlacement.NONE, batch.getRef()));
        List<AllocationStateChanged> seen = until(batch, AllocationState.EXITED);
        AllocationStateChanged done = seen.get(seen.size() - 1);
        assertThat(done.exitCode()).isZero();
        assertThat(done.detail()).isEqualTo("complete");
        batch.expectNoMessage(Duration.ofSeconds(1)); // a service would have been restarted after 100 ms

        TestProbe<AllocationStateChanged> service = f.kit.createTestProbe();
        agent.tell(new AssignAllocation("service-0", "job", 1, JobType.SERVICE, "group", List.of(once), Map.of(),
                AllocationPlacement.NONE, service.getRef()));
        until(service, AllocationState.EXITED);
        assertThat(until(service, AllocationState.EXITED)).extracting(AllocationStateChanged::state)
                .as("restarted by its policy").contains(AllocationState.STARTING, AllocationState.RUNNING);

        // the completed batch task's container is kept as its record until the scheduler stops the allocation
        agent.tell(new StopAllocation("batch-0", null));
        agent.tell(new StopAllocation("service-0", null));
        until(batch, AllocationState.STOPPED);
        until(service, AllocationState.STOPPED);
        f.kit.stop(agent);
    }

    @Test
    void oomKillIsReportedAsSuch() throws Exception {
        ActorRef<AgentCommand> agent = f.agent(f.config());
        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        agent.tell(new AssignAllocation("oom", "job", 1, JobType.SERVICE, "group", List.of(task(List.of("sh", "-c",
                "x=0123456789; while true; do x=$x$x; done"), NO_RESTART, List.of(), 16)), Map.of(), AllocationPlacement.NONE, events.getRef()));
        AllocationStateChanged oom = until(events, AllocationState.OOM_KILLED).get(4);
        assertThat(oom.exitCode()).isEqualTo(137);
        assertThat(oom.detail()).isEqualTo("killed by the OOM killer at its memory limit of 16 MiB");
        assertThat(events.receiveMessage(Duration.ofSeconds(30)).state()).isEqualTo(AllocationState.FAILED);
        f.assertNothingLeft("oom");
        f.kit.stop(agent);
    }

    @Test
    void failingHealthCheckRestartsTheTask() {
        ActorRef<AgentCommand> agent = f.agent(f.config());
        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        // healthy only while /tmp/ok exists: the first run removes it after a while, a fresh rootfs brings it back
        HealthCheck check = new HealthCheck("ok-file", HealthCheck.Type.EXEC, List.of("test", "-f", "/tmp/ok"), null,
                null, null, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ZERO, 2);
        RestartPolicy policy = new RestartPolicy(1, Duration.ofMinutes(10), Duration.ofMillis(100),
                Duration.ofMillis(100), RestartPolicy.Mode.FAIL);
        Task t = task(List.of("sh", "-c", "touch /tmp/ok; sleep 1; rm /tmp/ok; while true; do sleep 1; done"), policy,
                List.of(check), 64);
        agent.tell(new AssignAllocation("health", "job", 1, JobType.SERVICE, "group",
                List.of(t), Map.of(), AllocationPlacement.NONE, events.getRef()));
        List<AllocationStateChanged> first = until(events, AllocationState.UNHEALTHY);
        assertThat(first.get(first.size() - 1).detail())
                .isEqualTo("check ok-file: [test, -f, /tmp/ok] exited with 1 (2 times in a row)");
        AllocationStateChanged exited = events.receiveMessage(Duration.ofSeconds(30));
        assertThat(exited.state()).isEqualTo(AllocationState.EXITED);
        assertThat(exited.exitCode()).isEqualTo(137);
        assertThat(until(events, AllocationState.RUNNING)).extracting(AllocationStateChanged::state)
                .containsExactly(AllocationState.STARTING, AllocationState.RUNNING);
        until(events, AllocationState.UNHEALTHY);
        assertThat(until(events, AllocationState.FAILED).get(1).detail())
                .isEqualTo("restart policy exhausted: 1 restarts within PT10M");
        f.kit.stop(agent);
    }

    @Test
    void logsStayBoundedUnderAChattyContainer() throws Exception {
        AgentConfig config = f.config().withLogs(64 << 10, 3);
        ActorRef<AgentCommand> agent = f.agent(config);
        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        agent.tell(new AssignAllocation("chatty", "job", 1, JobType.SERVICE, "group", List.of(task(List.of("sh", "-c",
                "i=0; while true; do i=$((i+1)); echo \"line $i of a container that never stops talking\"; done"),
                NO_RESTART, List.of(), 64)), Map.of(), AllocationPlacement.NONE, events.getRef()));
        until(events, AllocationState.RUNNING);
        TestProbe<LogChunk> follower = f.kit.createTestProbe();
        agent.tell(new FollowLogs("chatty", null, follower.getRef()));
        LogChunk chunk = follower.receiveMessage(Duration.ofSeconds(30));
        assertThat(chunk.allocationId()).isEqualTo("chatty");
        assertThat(chunk.stream()).isEqualTo(LogStream.STDOUT);
        assertThat(new String(chunk.data())).contains(" of a container that never stops talking\n");
        agent.tell(new UnfollowLogs("chatty", null, follower.getRef()));
        // chunks already on their way arrive; then none
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> follower.expectNoMessage(Duration.ofSeconds(1)));
        Path logs = config.dataDir().resolve("allocs/chatty/tasks/main/logs");
        LogFiles files = new LogFiles(logs, 64 << 10, 3);
        java.util.concurrent.atomic.AtomicLong lastLine = new java.util.concurrent.atomic.AtomicLong();
        TestProbe<LogLines> tail = f.kit.createTestProbe();
        // written: at least ten times what the files may hold (each line is about 50 bytes)
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
            agent.tell(new TailLogs("chatty", null, LogStream.STDOUT, 1, tail.getRef()));
            String line = tail.receiveMessage(Duration.ofSeconds(10)).text();
            lastLine.set(Long.parseLong(line.split(" ")[1]));
            return lastLine.get() * 50 > 10 * 3 * (64 << 10);
        });
        assertThat(files.diskBytes(LogStream.STDOUT)).isLessThanOrEqualTo(3 * (64 << 10));
        // a listing in the middle of a rotation misses the file being renamed: look again
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            try (var s = Files.list(logs)) {
                assertThat(s.map(p -> p.getFileName().toString()).sorted().toList())
                        .containsExactly("stderr.pipe", "stdout.log", "stdout.log.1", "stdout.log.2", "stdout.pipe");
            }
        });
        agent.tell(new StopAllocation("chatty", f.kit.<StopAnswer>createTestProbe().getRef()));
        until(events, AllocationState.STOPPED);
        f.assertNothingLeft();
        f.kit.stop(agent);
    }

    @Test
    void aRestartedAgentTakesUpItsPersistedAllocations() {
        AgentConfig config = f.config();
        ActorRef<AgentCommand> first = f.agent(config);
        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        first.tell(new AssignAllocation("keeps", "job", 1, JobType.SERVICE, "group",
                List.of(task(List.of("sleep", "1000"), NO_RESTART, List.of(), 64)),
                Map.of(), AllocationPlacement.NONE, events.getRef()));
        until(events, AllocationState.RUNNING);
        first.tell(new AssignAllocation("ends", "job", 1, JobType.SERVICE, "group",
                List.of(task(List.of("true"), NO_RESTART, List.of(), 64)),
                Map.of(), AllocationPlacement.NONE, events.getRef()));
        until(events, AllocationState.FAILED);
        int pidBefore = f.runtime.state("keeps.main").pid();
        f.kit.stop(first);

        ActorRef<AgentCommand> second = f.agent(config);
        second.tell(new NodeAgent.Subscribe(events.getRef()));
        List<AllocationStateChanged> seen = until(events, AllocationState.RUNNING);
        assertThat(seen).singleElement().satisfies(c -> {
            assertThat(c.allocationId()).isEqualTo("keeps");
            assertThat(c.detail()).isEqualTo("adopted after an agent restart");
        });
        assertThat(f.runtime.state("keeps.main").pid()).as("adopted, not started again").isEqualTo(pidBefore);
        TestProbe<StopAnswer> answers = f.kit.createTestProbe();
        second.tell(new StopAllocation("ends", answers.getRef()));
        assertThat(answers.receiveMessage(Duration.ofSeconds(10)).reason()).isEqualTo("already FAILED");
        second.tell(new StopAllocation("keeps", answers.getRef()));
        AllocationStateChanged stopped = until(events, AllocationState.STOPPED).get(0);
        assertThat(stopped.allocationId()).isEqualTo("keeps");
        assertThat(stopped.detail()).as("sleep, the init's child, dies of the stop signal").isEqualTo("exit code 143");
        f.kit.stop(second);
    }

    @Test
    void aCrashLoopingTaskGetsNoFreshAttemptsFromAnAgentRestart() {
        AgentConfig config = f.config();
        ActorRef<AgentCommand> first = f.agent(config);
        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        RestartPolicy twice = new RestartPolicy(2, Duration.ofMinutes(10), Duration.ofMillis(100),
                Duration.ofMillis(100), RestartPolicy.Mode.FAIL);
        first.tell(new AssignAllocation("loops", "job", 1, JobType.SERVICE, "group",
                List.of(task(List.of("sh", "-c", "sleep 1; exit 3"), twice, List.of(), 64)),
                Map.of(), AllocationPlacement.NONE, events.getRef()));
        until(events, AllocationState.EXITED);
        assertThat(until(events, AllocationState.RUNNING)).extracting(AllocationStateChanged::detail)
                .as("the first restart").contains("restart 1");
        f.kit.stop(first);

        ActorRef<AgentCommand> second = f.agent(config);
        second.tell(new NodeAgent.Subscribe(events.getRef()));
        // whether its second run is adopted or found ended meanwhile, one restart is left of the two
        List<AllocationStateChanged> seen = until(events, AllocationState.FAILED);
        assertThat(seen).filteredOn(c -> c.state() == AllocationState.STARTING).as("restarts after the agent's: %s", seen)
                .hasSize(1);
        assertThat(seen.get(seen.size() - 1).detail()).isEqualTo("restart policy exhausted: 2 restarts within PT10M");
        f.kit.stop(second);
    }

    @Test
    void bridgeModeServesThroughThePublishedPortAndPassesItsHttpCheck() throws Exception {
        ActorRef<AgentCommand> agent = f.agent(f.config());
        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        int hostPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            hostPort = s.getLocalPort();
        }
        HealthCheck http = new HealthCheck("web", HealthCheck.Type.HTTP, null, "/", null, "http", Duration.ofSeconds(1),
                Duration.ofSeconds(1), Duration.ofSeconds(2), 3);
        Task t = new Task("web", AgentFixture.BUSYBOX, List.of("sh", "-c",
                "mkdir -p /www && echo hello from $(hostname) > /www/index.html && exec httpd -f -p 80 -h /www"), null,
                null, null, io.berth.protocol.job.NetworkMode.BRIDGE, List.of(new io.berth.protocol.job.Port("http", null, 80)),
                null, List.of(http), NO_RESTART, null, Duration.ofSeconds(2), null);
        agent.tell(new AssignAllocation("web-1", "job", 1, JobType.SERVICE, "group",
                List.of(t), Map.of("http", hostPort), AllocationPlacement.NONE, events.getRef()));
        until(events, AllocationState.RUNNING);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            var c = (java.net.HttpURLConnection) new java.net.URL("http://127.0.0.1:" + hostPort + "/").openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(2000);
            assertThat(new String(c.getInputStream().readAllBytes())).isEqualTo("hello from web-1\n");
        });
        // passing checks for several intervals after the grace period: still running, nothing reported
        events.expectNoMessage(Duration.ofSeconds(3));

        TestProbe<AllocationStateChanged> second = f.kit.createTestProbe();
        agent.tell(new AssignAllocation("web-2", "job", 1, JobType.SERVICE, "group",
                List.of(t), Map.of("http", hostPort), AllocationPlacement.NONE, second.getRef()));
        List<AllocationStateChanged> refused = until(second, AllocationState.FAILED);
        assertThat(refused.get(refused.size() - 1).detail()).as("the port is web-1's").contains(Integer.toString(hostPort));
        second.expectNoMessage(Duration.ofMillis(300));
        agent.tell(new StopAllocation("web-1", f.kit.<StopAnswer>createTestProbe().getRef()));
        until(events, AllocationState.STOPPED);
        f.assertNothingLeft();
        f.kit.stop(agent);
    }

    @Test
    void tasksRunWithDockersDefaultCapabilitiesNoNewPrivsAndSeccomp() throws Exception {
        AgentConfig config = f.config();
        ActorRef<AgentCommand> agent = f.agent(config);
        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        agent.tell(new AssignAllocation("secure", "job", 1, JobType.SERVICE, "group", List.of(task(List.of("sh", "-c",
                "grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status; cat /proc/kcore 2>&1 | head -c 0; "
                        + "touch /proc/sysrq-trigger 2>/dev/null || echo sysrq read-only"), NO_RESTART, List.of(), 64)),
                Map.of(), AllocationPlacement.NONE, events.getRef()));
        assertThat(until(events, AllocationState.EXITED).get(4).exitCode()).isZero();
        until(events, AllocationState.FAILED);
        assertThat(Files.readString(config.dataDir().resolve("allocs/secure/tasks/main/logs/stdout.log"))).isEqualTo(
                "CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nNoNewPrivs:\t1\nSeccomp:\t2\nsysrq read-only\n");
        TestProbe<LogLines> tail = f.kit.createTestProbe();
        agent.tell(new TailLogs("secure", null, LogStream.STDOUT, 1, tail.getRef()));
        assertThat(tail.receiveMessage(Duration.ofSeconds(10)).text()).as("the logs of an ended allocation")
                .isEqualTo("sysrq read-only\n");
        f.kit.stop(agent);
    }

    @Test
    void signalAndRestartReachTheRunningTaskOutsideTheRestartPolicy() throws Exception {
        AgentConfig config = f.config();
        ActorRef<AgentCommand> agent = f.agent(config);
        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        agent.tell(new AssignAllocation("rs", "job", 1, JobType.SERVICE, "group",
                List.of(task(List.of("sh", "-c", "echo start; "
                + "trap 'echo got HUP' HUP; trap 'exit 0' TERM; while true; do sleep 0.1; done"), NO_RESTART, List.of(), 32)),
                Map.of(), AllocationPlacement.NONE, events.getRef()));
        until(events, AllocationState.RUNNING);
        Path stdout = config.dataDir().resolve("allocs/rs/tasks/main/logs/stdout.log");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> Files.exists(stdout) && Files.readString(stdout).equals("start\n"));

        TestProbe<StopAnswer> answers = f.kit.createTestProbe();
        agent.tell(new SignalAllocation("rs", null, "HUP", answers.getRef()));
        assertThat(answers.receiveMessage(Duration.ofSeconds(10)).accepted()).isTrue();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> Files.readString(stdout).equals("start\ngot HUP\n"));
        agent.tell(new SignalAllocation("rs", null, "BOGUS", answers.getRef()));
        StopAnswer bogus = answers.receiveMessage(Duration.ofSeconds(10));
        assertThat(bogus.accepted()).isFalse();
        assertThat(bogus.reason()).startsWith("signal: unknown signal 'BOGUS'");

        agent.tell(new RestartAllocation("rs", null, answers.getRef()));
        assertThat(answers.receiveMessage(Duration.ofSeconds(10)).accepted()).isTrue();
        List<AllocationStateChanged> restart = until(events, AllocationState.RUNNING);
        assertThat(restart).extracting(AllocationStateChanged::state)
                .containsExactly(AllocationState.EXITED, AllocationState.STARTING, AllocationState.RUNNING);
        assertThat(restart.get(0).exitCode()).as("the TERM trap ran").isZero();
        assertThat(restart.get(0).detail()).isEqualTo("restart requested");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> Files.readString(stdout).equals("start\ngot HUP\nstart\n"));

        agent.tell(new RestartAllocation("nope", null, answers.getRef()));
        assertThat(answers.receiveMessage(Duration.ofSeconds(10)).reason())
                .isEqualTo("allocation_id: no allocation 'nope' on this agent");
        agent.tell(new StopAllocation("rs", null));
        until(events, AllocationState.STOPPED);
        f.assertNothingLeft("rs");
        f.kit.stop(agent);
    }

    @Test
    void bindMountsHonourReadOnlyAndTheScratchDirectoryOutlivesARestart() throws Exception {
        AgentConfig config = f.config();
        ActorRef<AgentCommand> agent = f.agent(config);
        Path shared = Files.createDirectories(f.dir.resolve("shared"));
        Files.writeString(shared.resolve("greeting"), "hi from the host\n");
        RestartPolicy once = new RestartPolicy(1, Duration.ofMinutes(10), Duration.ofMillis(100), Duration.ofMillis(100),
                RestartPolicy.Mode.FAIL);
        Task t = new Task("main", AgentFixture.BUSYBOX, List.of("sh", "-c", "cat /data/greeting; "
                + "touch /data/new 2>/dev/null || echo read-only; echo run >> $BERTH_TASK_DIR/runs; cat /local/runs | wc -l"),
                null, null, null, io.berth.protocol.job.NetworkMode.NONE, null,
                List.of(new io.berth.protocol.job.Volume(io.berth.protocol.job.Volume.Type.BIND, shared.toString(), "/data", true)),
                null, once, null, Duration.ofSeconds(2), null);
        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        agent.tell(new AssignAllocation("mounts", "job", 1, JobType.SERVICE, "group",
                List.of(t), Map.of(), AllocationPlacement.NONE, events.getRef()));
        until(events, AllocationState.FAILED);
        assertThat(Files.readString(config.dataDir().resolve("allocs/mounts/tasks/main/logs/stdout.log")))
                .isEqualTo("hi from the host\nread-only\n1\nhi from the host\nread-only\n2\n");
        assertThat(shared.resolve("new")).doesNotExist();
        f.kit.stop(agent);
    }

    private static AllocationStateChanged assertFailed(TestProbe<AllocationStateChanged> events, String detail) {
        AllocationStateChanged c = events.receiveMessage(Duration.ofSeconds(10));
        assertThat(c.state()).isEqualTo(AllocationState.FAILED);
        if (detail != null) {
            assertThat(c.detail()).isEqualTo(detail);
        }
        return c;
    }
}
