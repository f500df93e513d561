package io.berth.agent;

import static io.berth.agent.AgentFixture.NO_RESTART;
import static io.berth.agent.AgentFixture.until;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.agent.network.NetworkHost;
import io.berth.protocol.cluster.AgentCommand;
import io.berth.protocol.cluster.AllocationPlacement;
import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.cluster.AllocationStateChanged;
import io.berth.protocol.cluster.AssignAllocation;
import io.berth.protocol.cluster.LogLines;
import io.berth.protocol.cluster.LogStream;
import io.berth.protocol.cluster.RestartAllocation;
import io.berth.protocol.cluster.SignalAllocation;
import io.berth.protocol.cluster.StopAllocation;
import io.berth.protocol.cluster.StopAnswer;
import io.berth.protocol.cluster.TailLogs;
import io.berth.protocol.job.JobType;
import io.berth.protocol.job.NetworkMode;
import io.berth.protocol.job.Port;
import io.berth.protocol.job.Resources;
import io.berth.protocol.job.RestartPolicy;
import io.berth.protocol.job.Task;
import java.net.HttpURLConnection;
import java.net.URL;
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

/** Allocations of several tasks, run as a pod: one network namespace, a container per task. */
class MultiTaskAllocationTest {
    private static AgentFixture f;

    @BeforeAll
    static void setUp() throws Exception {
        f = new AgentFixture();
    }

    @AfterAll
    static void tearDown() throws Exception {
        f.close();
    }

    private static final RestartPolicy ONE_RESTART = new RestartPolicy(1, Duration.ofMinutes(10),
            Duration.ofMillis(100), Duration.ofMillis(100), RestartPolicy.Mode.FAIL);

    private static Task task(String name, String script, NetworkMode network, List<Port> ports, RestartPolicy restart,
                             int memoryMb) {
        return new Task(name, AgentFixture.BUSYBOX, List.of("sh", "-c", script), null, null,
                new Resources(100, memoryMb, 0), network, ports, null, null, restart, null, Duration.ofSeconds(2), null);
    }

    @Test
    void tasksShareOneNetworkNamespaceInBridgeModeEachInItsOwnContainer() throws Exception {
        AgentConfig config = f.config();
        ActorRef<AgentCommand> agent = f.agent(config);
        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        int hostPort = NetworkHost.freePort();
        Task web = task("web", "mkdir -p /www && echo hello from $BERTH_TASK_NAME > /www/index.html "
                + "&& exec httpd -f -p 8080 -h /www", NetworkMode.BRIDGE, List.of(new Port("http", null, 8080)),
                NO_RESTART, 32);
        // reaches the web task over loopback: only in the same network namespace
        Task sidecar = task("sidecar", "cat /etc/hostname > /local/hostname; "
                + "until wget -q -O /local/got http://127.0.0.1:8080/; do sleep 0.1; done; "
                + "trap 'exit 0' TERM; while true; do sleep 0.1; done", NetworkMode.BRIDGE, List.of(), NO_RESTART, 16);
        agent.tell(new AssignAllocation("pod", "job", 1, JobType.SERVICE, "group",
                List.of(web, sidecar), Map.of("http", hostPort),
                AllocationPlacement.NONE, events.getRef()));

        assertThat(until(events, AllocationState.RUNNING)).extracting(AllocationStateChanged::state).containsExactly(
                AllocationState.PENDING, AllocationState.PULLING, AllocationState.STARTING, AllocationState.RUNNING);
        Path sidecarDir = config.dataDir().resolve("allocs/pod/tasks/sidecar");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(sidecarDir.resolve("local/got"))
                && Files.readString(sidecarDir.resolve("local/got")).equals("hello from web\n"));
        assertThat(Files.readString(sidecarDir.resolve("local/hostname"))).isEqualTo("pod\n");
        // every task's port is published on the host
        HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + hostPort + "/").openConnection();
        c.setConnectTimeout(5000);
        c.setReadTimeout(5000);
        assertThat(new String(c.getInputStream().readAllBytes())).isEqualTo("hello from web\n");

        int webPid = f.runtime.state("pod.web").pid();
        int sidecarPid = f.runtime.state("pod.sidecar").pid();
        assertThat(webPid).isNotEqualTo(sidecarPid);
        assertThat(Files.readSymbolicLink(Path.of("/proc", Integer.toString(webPid), "ns/net")))
                .as("one network namespace").isEqualTo(Files.readSymbolicLink(Path.of("/proc", Integer.toString(sidecarPid), "ns/net")))
                .isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/net")));
        assertThat(Files.readSymbolicLink(Path.of("/proc", Integer.toString(webPid), "ns/mnt")))
                .as("each its own root").isNotEqualTo(Files.readSymbolicLink(Path.of("/proc", Integer.toString(sidecarPid), "ns/mnt")));
        assertThat(Files.readString(Path.of("/sys/fs/cgroup/memory/berth/pod/web/memory.limit_in_bytes")).trim())
                .as("each task its own cgroup below the allocation's").isEqualTo(Long.toString(32L << 20));
        assertThat(Files.readString(Path.of("/sys/fs/cgroup/memory/berth/pod/sidecar/memory.limit_in_bytes")).trim())
                .isEqualTo(Long.toString(16L << 20));
        TestProbe<LogLines> logs = f.kit.createTestProbe();
        agent.tell(new TailLogs("pod", null, LogStream.STDERR, 10, logs.getRef()));
        assertThat(logs.receiveMessage(Duration.ofSeconds(10)).error()).as("the first task's logs").isEmpty();

        agent.tell(new StopAllocation("pod", null));
        AllocationStateChanged stopped = events.receiveMessage(Duration.ofSeconds(30));
        assertThat(stopped.state()).isEqualTo(AllocationState.STOPPED);
        assertThat(stopped.detail()).as("httpd dies of SIGTERM, the sidecar runs its trap")
                .isEqualTo("web: exit code 143; sidecar: exit code 0");
        f.assertNothingLeft("pod");
        assertThat(f.dir.resolve("net/alloc")).isEmptyDirectory();
        f.kit.stop(agent);
    }

    @Test
    void logsRestartsAndSignalsAddressTheNamedTaskOrForRestartAndSignalEveryTask() throws Exception {
        AgentConfig config = f.config();
        ActorRef<AgentCommand> agent = f.agent(config);
        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        String loop = "; trap 'exit 0' TERM; while true; do sleep 0.1; done";
        agent.tell(new AssignAllocation("named", "job", 1, JobType.SERVICE, "group", List.of(
                        task("main", "echo line of main" + loop, NetworkMode.NONE, List.of(), NO_RESTART, 16),
                        task("side", "echo line of side" + loop, NetworkMode.NONE, List.of(), NO_RESTART, 16)),
                Map.of(), AllocationPlacement.NONE, events.getRef()));
        until(events, AllocationState.RUNNING);

        TestProbe<LogLines> logs = f.kit.createTestProbe();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            agent.tell(new TailLogs("named", "side", LogStream.STDOUT, 10, logs.getRef()));
            assertThat(logs.receiveMessage(Duration.ofSeconds(5)).text()).isEqualTo("line of side\n");
        });
        agent.tell(new TailLogs("named", null, LogStream.STDOUT, 10, logs.getRef()));
        assertThat(logs.receiveMessage(Duration.ofSeconds(5)).text()).as("no task named: the first")
                .isEqualTo("line of main\n");
        agent.tell(new TailLogs("named", "nope", LogStream.STDOUT, 10, logs.getRef()));
        LogLines unknown = logs.receiveMessage(Duration.ofSeconds(5));
        assertThat(unknown.text()).isEmpty();
        assertThat(unknown.error()).isEqualTo("task: allocation named has no task 'nope' (its tasks: main, side)");

        TestProbe<StopAnswer> answers = f.kit.createTestProbe();
        agent.tell(new SignalAllocation("named", "nope", "HUP", answers.getRef()));
        assertThat(answers.receiveMessage(Duration.ofSeconds(5))).extracting(StopAnswer::accepted, StopAnswer::reason)
                .containsExactly(false, "task: allocation named has no task 'nope' (its tasks: main, side)");
        // no task named: every task restarts, with one answer for all
        agent.tell(new RestartAllocation("named", null, answers.getRef()));
        assertThat(answers.receiveMessage(Duration.ofSeconds(10)).accepted()).isTrue();
        answers.expectNoMessage(Duration.ofMillis(300));
        for (String task : List.of("main", "side")) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                agent.tell(new TailLogs("named", task, LogStream.STDOUT, 10, logs.getRef()));
                assertThat(logs.receiveMessage(Duration.ofSeconds(5)).text()).as(task + " ran twice")
                        .isEqualTo("line of " + task + "\nline of " + task + "\n");
            });
        }

        agent.tell(new StopAllocation("named", null));
        until(events, AllocationState.STOPPED);
        f.assertNothingLeft("named");
        f.kit.stop(agent);
    }

    @Test
    void aTaskThatFailsFailsTheAllocationAndTheOtherTasksAreStopped() throws Exception {
        AgentConfig config = f.config();
        ActorRef<AgentCommand> agent = f.agent(config);
        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        Task keeper = task("keeper", "trap 'echo stopped; exit 0' TERM; while true; do sleep 0.1; done",
                NetworkMode.NONE, List.of(), NO_RESTART, 16);
        Task crasher = task("crasher", "sleep 1; exit 3", NetworkMode.NONE, List.of(), ONE_RESTART, 16);
        agent.tell(new AssignAllocation("fails", "job", 1, JobType.SERVICE, "group", List.of(keeper, crasher), Map.of(),
                AllocationPlacement.NONE, events.getRef()));

        List<AllocationStateChanged> seen = until(events, AllocationState.FAILED);
        assertThat(seen).extracting(AllocationStateChanged::state).containsExactly(AllocationState.PENDING,
                AllocationState.PULLING, AllocationState.STARTING, AllocationState.RUNNING,
                AllocationState.EXITED, AllocationState.STARTING, AllocationState.RUNNING,
                AllocationState.EXITED, AllocationState.FAILED);
        assertThat(seen.get(4).exitCode()).isEqualTo(3);
        assertThat(seen.get(4).detail()).isEqualTo("task crasher");
        assertThat(seen.get(5).detail()).isEqualTo("task crasher: restart 1");
        assertThat(seen.get(8).detail()).isEqualTo("task crasher: restart policy exhausted: 1 restarts within PT10M");
        assertThat(Files.readString(config.dataDir().resolve("allocs/fails/tasks/keeper/logs/stdout.log")))
                .as("stopped with its stop signal").isEqualTo("stopped\n");
        events.expectNoMessage(Duration.ofMillis(500));
        f.assertNothingLeft("fails");
        f.kit.stop(agent);
    }

    @Test
    void aRestartedAgentAdoptsEveryTaskAndRestartsTheOneThatEndedMeanwhile() throws Exception {
        AgentConfig config = f.config();
        ActorRef<AgentCommand> first = f.agent(config);
        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        assignSteadyAndEnding(first, events);
        until(events, AllocationState.RUNNING);
        int steadyPid = f.runtime.state("adopt.steady").pid();
        f.kit.stop(first);
        f.runtime.kill("adopt.ending", 9, true);
        await().atMost(Duration.ofSeconds(20)).until(() ->
                f.runtime.status("adopt.ending") == io.berth.runtime.ContainerStatus.STOPPED);

        ActorRef<AgentCommand> second = f.agent(config);
        second.tell(new NodeAgent.Subscribe(events.getRef()));
        List<AllocationStateChanged> seen = until(events, AllocationState.RUNNING);
        assertThat(seen).extracting(AllocationStateChanged::state, AllocationStateChanged::exitCode,
                AllocationStateChanged::detail).containsExactly(
                org.assertj.core.groups.Tuple.tuple(AllocationState.EXITED, 137,
                        "task ending: killed by signal 9, while the agent was down"),
                org.assertj.core.groups.Tuple.tuple(AllocationState.STARTING, null, "task ending: restart 1"),
                org.assertj.core.groups.Tuple.tuple(AllocationState.RUNNING, null, ""));
        assertThat(f.runtime.state("adopt.steady").pid()).as("adopted, not started again").isEqualTo(steadyPid);
        second.tell(new StopAllocation("adopt", null));
        until(events, AllocationState.STOPPED);
        f.assertNothingLeft("adopt");
        f.kit.stop(second);
    }

    /*
     * Batch semantics, through the allocation's supervisor so that an agent restart can be staged on the same
     * allocation (NodeAgentTest checks that a batch assignment makes a batch allocation).
     */

    @Test
    void aBatchTaskThatExitsZeroIsCompleteNotRestartedAlsoAfterAnAgentRestart() throws Exception {
        AgentConfig config = f.config();
        Allocation alloc = batch("done", task("main", "echo ran >> /local/runs", NetworkMode.NONE, List.of(),
                ONE_RESTART, 16));
        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        ActorRef<AllocationSupervisor.Command> first = supervise(config, alloc, events, false);
        List<AllocationStateChanged> seen = until(events, AllocationState.EXITED);
        assertThat(seen).extracting(AllocationStateChanged::state).containsExactly(AllocationState.PENDING,
                AllocationState.PULLING, AllocationState.STARTING, AllocationState.RUNNING, AllocationState.EXITED);
        assertThat(seen.get(4).exitCode()).isZero();
        assertThat(seen.get(4).detail()).isEqualTo("complete");
        events.expectNoMessage(Duration.ofSeconds(1));  // its restart policy would have restarted it after 100 ms
        f.kit.stop(first);  // the agent goes away

        ActorRef<AllocationSupervisor.Command> second = supervise(config, alloc.withState(AllocationState.EXITED, 0,
                "complete"), events, true);
        AllocationStateChanged again = events.receiveMessage(Duration.ofSeconds(30));
        assertThat(again.state()).isEqualTo(AllocationState.EXITED);
        assertThat(again.exitCode()).isZero();
        assertThat(again.detail()).isEqualTo("complete while the agent was down");
        events.expectNoMessage(Duration.ofSeconds(1));
        assertThat(Files.readString(config.dataDir().resolve("allocs/done/tasks/main/local/runs")))
                .as("run once").isEqualTo("ran\n");
        second.tell(AllocationSupervisor.Stop.INSTANCE);
        AllocationStateChanged stopped = events.receiveMessage(Duration.ofSeconds(30));
        assertThat(stopped.state()).isEqualTo(AllocationState.STOPPED);
        assertThat(stopped.detail()).isEqualTo("exit code 0");
        f.assertNothingLeft("done");
    }

    @Test
    void aBatchAllocationIsCompleteWhenEveryTaskExitedZeroAndItsFailuresAreRestarted() throws Exception {
        AgentConfig config = f.config();
        Allocation alloc = batch("jobs", task("quick", "sleep 0.2", NetworkMode.NONE, List.of(), ONE_RESTART, 16),
                task("retry", "sleep 0.6; if [ -f /local/ran ]; then exit 0; fi; touch /local/ran; exit 1",
                        NetworkMode.NONE, List.of(), ONE_RESTART, 16));
        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        ActorRef<AllocationSupervisor.Command> supervisor = supervise(config, alloc, events, false);
        List<AllocationStateChanged> seen = until(events, AllocationState.STARTING);
        seen = until(events, AllocationState.EXITED);
        assertThat(seen).extracting(AllocationStateChanged::state, AllocationStateChanged::exitCode,
                AllocationStateChanged::detail).containsExactly(
                org.assertj.core.groups.Tuple.tuple(AllocationState.RUNNING, null, ""),
                org.assertj.core.groups.Tuple.tuple(AllocationState.EXITED, 1, "task retry"));
        seen = until(events, AllocationState.EXITED);
        assertThat(seen).extracting(AllocationStateChanged::state, AllocationStateChanged::exitCode,
                AllocationStateChanged::detail).containsExactly(
                org.assertj.core.groups.Tuple.tuple(AllocationState.STARTING, null, "task retry: restart 1"),
                org.assertj.core.groups.Tuple.tuple(AllocationState.RUNNING, null, ""),
                org.assertj.core.groups.Tuple.tuple(AllocationState.EXITED, 0, "every task is complete"));
        events.expectNoMessage(Duration.ofSeconds(1));
        assertThat(f.runtime.list()).extracting(c -> c.id()).as("kept until the stop")
                .containsExactlyInAnyOrder("jobs.quick", "jobs.retry");
        supervisor.tell(AllocationSupervisor.Stop.INSTANCE);
        AllocationStateChanged stopped = events.receiveMessage(Duration.ofSeconds(30));
        assertThat(stopped.state()).isEqualTo(AllocationState.STOPPED);
        assertThat(stopped.detail()).isEqualTo("exit code 0");
        f.assertNothingLeft("jobs");
    }

    private static Allocation batch(String id, Task... tasks) {
        return new Allocation(id, "job", 1, "group", List.of(tasks), Map.of(), AllocationPlacement.NONE, true, false,
                AllocationState.PENDING, null, "", false, Map.of());
    }

    private static ActorRef<AllocationSupervisor.Command> supervise(AgentConfig config, Allocation alloc,
                                                                    TestProbe<AllocationStateChanged> events,
                                                                    boolean restored) {
        AgentServices services = new AgentServices(f.runtime, f.images, new CniNetworkSetup(f.network), config,
                java.time.Clock.systemUTC());
        ActorRef<ImageService.Command> images = f.kit.spawn(ImageService.create(f.images, ImageFetcher.none()));
        return f.kit.spawn(AllocationSupervisor.create(alloc, services, images, events.getRef(),
                f.kit.system().ignoreRef(), restored));
    }

    private static void assignSteadyAndEnding(ActorRef<AgentCommand> agent, TestProbe<AllocationStateChanged> events) {
        agent.tell(new AssignAllocation("adopt", "job", 1, JobType.SERVICE, "group", List.of(
                        task("steady", "exec sleep 1000", NetworkMode.NONE, List.of(), NO_RESTART, 16),
                        task("ending", "exec sleep 1000", NetworkMode.NONE, List.of(), ONE_RESTART, 16)),
                Map.of(), AllocationPlacement.NONE, events.getRef()));
    }
}
