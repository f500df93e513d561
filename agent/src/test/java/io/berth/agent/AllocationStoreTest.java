package io.berth.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.protocol.cluster.AllocationPlacement;
import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.job.NetworkMode;
import io.berth.protocol.job.Port;
import io.berth.protocol.job.Resources;
import io.berth.protocol.job.RestartPolicy;
import io.berth.protocol.job.Task;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/** The agent's allocation records on disk: what it writes reads back, and an earlier agent's records still read. */
class AllocationStoreTest {
    @TempDir
    Path dir;

    @Test
    void anAllocationWithItsTasksPlacementAndRestartHistoryReadsBackEqual() throws Exception {
        RestartPolicy policy = new RestartPolicy(3, Duration.ofMinutes(5), Duration.ofMillis(250), Duration.ofSeconds(30),
                RestartPolicy.Mode.DELAY);
        Task web = new Task("web", "example.com/web:1", List.of("httpd"), List.of("-f"), Map.of("A", "1"),
                new Resources(500, 128, 10), NetworkMode.BRIDGE, List.of(new Port("http", null, 80)), null, null,
                policy, "SIGINT", Duration.ofSeconds(7), Map.of("team", "a"));
        Task side = new Task("side", "example.com/side:2", List.of("sleep", "1000"), null, null, null,
                NetworkMode.BRIDGE, null, null, null, policy, null, null, null);
        Allocation a = new Allocation("a1", "job", 4, "group", List.of(web, side), Map.of("http", 23456),
                new AllocationPlacement(2, true, "d1", "a0", List.of(Instant.parse("2026-11-28T01:02:03.456789Z"))),
                true, true, AllocationState.EXITED, 3, "why", true, Map.of("web", new RestartTracker.History(
                        List.of(Instant.parse("2026-11-28T01:02:04.5Z"), Instant.parse("2026-11-28T01:02:06Z")), 2)));
        try (AllocationStore store = AllocationStore.open(dir)) {
            store.put(a);
        }
        try (AllocationStore store = AllocationStore.open(dir)) {
            assertThat(store.all()).containsExactly(a);
        }
    }

    @Test
    void aRecordOfAnAgentBeforeMultiTaskAllocationsReadsAsOneTaskWithNoPlacement() throws Exception {
        String old = "{\"allocationId\":\"old\",\"jobId\":\"job\",\"jobVersion\":1,\"taskGroup\":\"group\","
                + "\"task\":{\"name\":\"main\",\"image\":\"example.com/busybox:1\",\"command\":[\"sleep\",\"1000\"],"
                + "\"restart\":{\"attempts\":1,\"interval\":\"PT10M\",\"delay\":\"PT1S\",\"maxDelay\":\"PT1S\","
                + "\"mode\":\"fail\"},\"stopTimeout\":\"PT2S\"},\"hostPorts\":{},\"stopRequested\":false,"
                + "\"state\":\"RUNNING\",\"exitCode\":null,\"detail\":\"\",\"endHeard\":false}";
        Files.createDirectories(dir);
        RocksDB.loadLibrary();
        try (Options o = new Options().setCreateIfMissing(true); RocksDB db = RocksDB.open(o, dir.toString())) {
            db.put("old".getBytes(StandardCharsets.UTF_8), old.getBytes(StandardCharsets.UTF_8));
        }
        try (AllocationStore store = AllocationStore.open(dir)) {
            assertThat(store.all()).singleElement().satisfies(a -> {
                assertThat(a.tasks()).singleElement().satisfies(t -> {
                    assertThat(t.name()).isEqualTo("main");
                    assertThat(t.command()).containsExactly("sleep", "1000");
                    assertThat(t.restart().interval()).isEqualTo(Duration.ofMinutes(10));
                });
                assertThat(a.placement()).isEqualTo(AllocationPlacement.NONE);
                assertThat(a.batch()).isFalse();
                assertThat(a.state()).isEqualTo(AllocationState.RUNNING);
                assertThat(a.restarts()).as("no restart history: the task starts afresh").isEmpty();
            });
        }
    }
}
