package io.berth.agent;

import static io.berth.agent.AgentFixture.task;
import static io.berth.agent.AgentFixture.until;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.cluster.AllocationStateChanged;
import io.berth.protocol.job.HealthCheck;
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

    private static final RestartPolicy NO_RESTART = new RestartPolicy(0, Duration.ofMinutes(10), Duration.ofSeconds(1),
            Duration.ofSeconds(1), RestartPolicy.Mode.FAIL);

    @Test
    void assignedTaskRunsAndStopsGracefully() throws Exception {
        AgentConfig config = f.config();
        ActorRef<NodeAgent.Command> agent = f.agent(config);
        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        Task t = task(List.of("sh", "-c", "echo hello from $BERTH_ALLOC_ID; trap 'echo bye; exit 0' TERM; "
                + "while true; do sleep 0.2; done"), NO_RESTART, List.of(), 64);
        agent.tell(new NodeAgent.Assign("run-1", "job", "group", t, Map.of(), events.getRef()));

        List<AllocationStateChanged> seen = until(events, AllocationState.RUNNING);
        assertThat(seen).extracting(AllocationStateChanged::state).containsExactly(AllocationState.PENDING,
                AllocationState.PULLING, AllocationState.STARTING, AllocationState.RUNNING);

        TestProbe<ContainerSupervisor.LogsReply> logs = f.kit.createTestProbe();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            agent.tell(new NodeAgent.TailLogs("run-1", LogFiles.Stream.STDOUT, 10, logs.getRef()));
            assertThat(logs.receiveMessage(Duration.ofSeconds(10)).text()).isEqualTo("hello from run-1\n");
        });
        TestProbe<ContainerSupervisor.StatsReply> stats = f.kit.createTestProbe();
        agent.tell(new NodeAgent.GetStats("run-1", stats.getRef()));
        ContainerSupervisor.StatsReply s = stats.receiveMessage(Duration.ofSeconds(10));
        assertThat(s.error()).isNull();
        assertThat(s.stats().memory().usage()).isPositive();
        assertThat(s.stats().memory().limit()).isEqualTo(64L << 20);

        TestProbe<NodeAgent.StopAnswer> answers = f.kit.createTestProbe();
        agent.tell(new NodeAgent.Stop("run-1", answers.getRef()));
        assertThat(answers.receiveMessage(Duration.ofSeconds(10)).accepted()).isTrue();
        AllocationStateChanged stopped = events.receiveMessage(Duration.ofSeconds(30));
        assertThat(stopped.state()).isEqualTo(AllocationState.STOPPED);
        assertThat(stopped.detail()).as("the task ran its TERM trap").isEqualTo("exit code 0");
        assertThat(Files.readString(config.dataDir().resolve("allocs/run-1/logs/stdout.log")))
                .isEqualTo("hello from run-1\nbye\n");
        f.assertNothingLeft();
        f.kit.stop(agent);
    }

    @Test
    void wrongInputIsAnsweredClearlyAndLeavesNothing() throws Exception {
        ActorRef<NodeAgent.Command> agent = f.agent(f.config());
        TestProbe<NodeAgent.StopAnswer> answers = f.kit.createTestProbe();
        agent.tell(new NodeAgent.Stop("nope", answers.getRef()));
        NodeAgent.StopAnswer a = answers.receiveMessage(Duration.ofSeconds(10));
        assertThat(a.accepted()).isFalse();
        assertThat(a.reason()).isEqualTo("allocation_id: no allocation 'nope' on this agent");

        TestProbe<AllocationStateChanged> events = f.kit.createTestProbe();
        Task ok = task(List.of("true"), NO_RESTART, List.of(), 64);
        agent.tell(new NodeAgent.Assign("bad/id", "job", "group", ok, Map.of(), events.getRef()));
        assertFailed(events, "allocation_id: 'bad/id' is not 1-128 characters of letters, digits, '_', '.' and '-'");

        agent.tell(new NodeAgent.Assign("huge", "job", "group", task(List.of("true"), NO_RESTART, List.of(), 1 << 30),
                Map.of(), events.getRef()));
        assertThat(assertFailed(events, null).detail()).startsWith("task.resources.memory_mb: 1073741824 MiB does not fit this node");

        Task missingImage = new Task("main", "example.com/nothing:1", List.of("true"), null, null, null,
                io.berth.protocol.job.NetworkMode.NONE, null, null, null, NO_RESTART, null, null, null);
        agent.tell(new NodeAgent.Assign("no-image", "job", "group", missingImage, Map.of(), events.getRef()));
        assertThat(until(events, AllocationState.FAILED).get(2).detail())
                .contains("example.com/nothing:1 is not in the local image store");

        agent.tell(new NodeAgent.Assign("no-command", "job", "group", task(List.of("/no/such/binary"), NO_RESTART,
                List.of(), 64), Map.of(), events.getRef()));
        List<AllocationStateChanged> seen = until(events, AllocationState.FAILED);
        assertThat(seen.get(seen.size() - 1).detail()).contains("/no/such/binary");
        events.expectNoMessage(Duration.ofMillis(500));
        f.assertNothingLeft();
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
