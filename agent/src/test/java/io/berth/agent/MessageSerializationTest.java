package io.berth.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.protocol.cluster.AllocationPlacement;
import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.cluster.AllocationStateChanged;
import io.berth.protocol.cluster.AgentCommand;
import io.berth.protocol.cluster.AllocationReport;
import io.berth.protocol.cluster.AssignAllocation;
import io.berth.protocol.cluster.LeaveAck;
import io.berth.protocol.cluster.LeaveNode;
import io.berth.protocol.cluster.NodeRegistered;
import io.berth.protocol.cluster.PortRanges;
import io.berth.protocol.cluster.NodeStatus;
import io.berth.protocol.cluster.RegisterNode;
import io.berth.protocol.cluster.StopAllocation;
import io.berth.protocol.cluster.StopAnswer;
import io.berth.protocol.job.HealthCheck;
import io.berth.protocol.job.JobType;
import io.berth.protocol.job.NetworkMode;
import io.berth.protocol.job.Port;
import io.berth.protocol.job.Resources;
import io.berth.protocol.job.RestartPolicy;
import io.berth.protocol.job.Task;
import io.berth.protocol.job.Volume;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The agent's cluster messages survive Pekko's CBOR serializer unchanged. */
class MessageSerializationTest {
    private static final ActorTestKit kit = ActorTestKit.create();
    private static final AllocationPlacement PLACEMENT = new AllocationPlacement(4, true, "dep-1", "a0",
            List.of(Instant.parse("2026-11-28T01:00:00Z"), Instant.parse("2026-11-28T01:01:00.5Z")));

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    private static Object roundTrip(Object message) {
        Serialization s = SerializationExtension.get(Adapter.toClassic(kit.system()));
        Serializer serializer = s.findSerializerFor(message);
        assertThat(serializer.getClass().getSimpleName()).isEqualTo("JacksonCborSerializer");
        byte[] bytes = s.serialize(message).get();
        return s.deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, message)).get();
    }

    @Test
    void assignWithFullTasksAndPlacementRoundTrips() {
        Task task = new Task("web", "example.com/web:1", List.of("httpd"), List.of("-f"), Map.of("A", "1"),
                new Resources(500, 128, 10), NetworkMode.BRIDGE, List.of(new Port("http", null, 80)),
                List.of(new Volume(Volume.Type.BIND, "/srv", "/data", true)),
                List.of(new HealthCheck("h", HealthCheck.Type.HTTP, null, "/", null, "http", Duration.ofSeconds(5),
                        Duration.ofSeconds(1), Duration.ofSeconds(10), 3)),
                new RestartPolicy(3, Duration.ofMinutes(5), Duration.ofSeconds(2), Duration.ofSeconds(30),
                        RestartPolicy.Mode.DELAY), "SIGINT", Duration.ofSeconds(7), Map.of("team", "a"));
        Task sidecar = new Task("log", "busybox:1.36", List.of("sh"), List.of(), Map.of(), new Resources(50, 16, 0),
                NetworkMode.BRIDGE, List.of(), List.of(), List.of(), null, null, null, Map.of());
        var replyTo = kit.<AllocationStateChanged>createTestProbe().getRef();
        AssignAllocation assign = new AssignAllocation("a1", "job", 3, JobType.SERVICE, "group", List.of(task, sidecar),
                Map.of("http", 23456), PLACEMENT, replyTo);
        assertThat(roundTrip(assign)).isEqualTo(assign);
        AssignAllocation bare = new AssignAllocation("a2", "job", 3, JobType.SERVICE, "group", List.of(task), Map.of(),
                AllocationPlacement.NONE, null);
        assertThat(roundTrip(bare)).isEqualTo(bare);
    }

    @Test
    void reportsAndAnswersRoundTrip() {
        Instant at = Instant.parse("2026-11-28T01:02:03.456Z");
        for (Object m : List.of(new AllocationStateChanged("a1", AllocationState.EXITED, 3, "", at),
                new NodeStatus("node-1", 100, 64, 1,
                        List.of("docker.io/library/busybox:1.36", "sha256:" + "a".repeat(64)), at),
                new StopAnswer("a1", false, "allocation_id: no allocation 'a1' on this agent"),
                new StopAllocation("a1", kit.<StopAnswer>createTestProbe().getRef()),
                new LeaveNode("node-1", kit.<LeaveAck>createTestProbe().getRef()), new LeaveAck("node-1", true))) {
            assertThat(roundTrip(m)).isEqualTo(m);
        }
    }

    @Test
    void aRegistrationWithTheFingerprintedNodeRoundTrips() throws Exception {
        Instant at = Instant.parse("2026-11-28T01:02:03.456Z");
        Fingerprint fp = Fingerprint.probe(java.nio.file.Path.of("/"), Map.of("rack", "r1"));
        RegisterNode m = new RegisterNode(fp.nodeInfo("node-1", "dc1"), kit.<AgentCommand>createTestProbe().getRef(),
                List.of(new AllocationReport("a1", "job", 2, "group", AllocationState.EXITED, 137, "killed by signal 9",
                        Map.of("http", 23456), PLACEMENT),
                        new AllocationReport("a2", "job", 2, "group", AllocationState.RUNNING, null, "",
                                Map.of(), AllocationPlacement.NONE)),
                new NodeStatus("node-1", 100, 64, 1, List.of(), at), kit.<NodeRegistered>createTestProbe().getRef());
        assertThat(roundTrip(m)).isEqualTo(m);
        assertThat(m.node().labels()).containsEntry("rack", "r1");
        RegisterNode reserving = new RegisterNode(m.node().withReservedPorts(PortRanges.parse("22,8000-8100")),
                m.agent(), List.of(), m.status(), m.replyTo());
        assertThat(roundTrip(reserving)).isEqualTo(reserving);
        assertThat(m.node().cpuMhz()).isEqualTo(fp.cores() * 1000);
    }
}
