package io.berth.storage.durable;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.cluster.ddata.DurableStore;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocksDbDurableStoreTest {
    @TempDir
    Path dir;

    @Test
    void anEmptyDirectoryLoadsNothing() throws Exception {
        try (DurableStoreHarness store = new DurableStoreHarness(dir.resolve("store"))) {
            assertThat(store.loadAll()).isEmpty();
        }
    }

    @Test
    void storedDataIsLoadedAfterARestart() throws Exception {
        LWWMap<String, String> a = LWWMap.<String, String>create().put(DurableStoreHarness.NODE, "x", "1");
        LWWMap<String, String> b = a.put(DurableStoreHarness.NODE, "y", "2");
        try (DurableStoreHarness store = new DurableStoreHarness(dir)) {
            store.loadAll();
            store.store("a", a, "stored a");
            store.store("b", a, "stored b1");
            store.store("b", b, "stored b2");
            assertThat(List.of(store.next(), store.next(), store.next()))
                    .containsExactly("stored a", "stored b1", "stored b2");
        }
        try (DurableStoreHarness store = new DurableStoreHarness(dir)) {
            Map<String, DurableStore.DurableDataEnvelope> loaded = store.loadAll();
            assertThat(loaded).containsOnlyKeys("a", "b");
            assertThat(DurableStoreHarness.map(loaded.get("a")).getEntries()).isEqualTo(Map.of("x", "1"));
            assertThat(DurableStoreHarness.map(loaded.get("b")).getEntries()).isEqualTo(Map.of("x", "1", "y", "2"));
        }
    }

    @Test
    void manyStoresAtOnceAreAllAcknowledgedAndKept() throws Exception {
        LWWMap<String, String> map = LWWMap.create();
        try (DurableStoreHarness store = new DurableStoreHarness(dir)) {
            store.loadAll();
            for (int i = 0; i < 500; i++) {
                map = map.put(DurableStoreHarness.NODE, "e" + i, "v" + i);
                store.store("k" + (i % 7), map, "ack " + i);
            }
            Set<Object> acks = new HashSet<>();
            for (int i = 0; i < 500; i++) {
                acks.add(store.next());
            }
            assertThat(acks).hasSize(500).contains("ack 0", "ack 499");
        }
        try (DurableStoreHarness store = new DurableStoreHarness(dir)) {
            Map<String, DurableStore.DurableDataEnvelope> loaded = store.loadAll();
            assertThat(loaded).hasSize(7);
            // the last store of each key carries every entry up to it
            assertThat(DurableStoreHarness.map(loaded.get("k" + (499 % 7))).getEntries()).hasSize(500);
        }
    }

    @Test
    void everyAcknowledgedStoreSurvivesAKill() throws Exception {
        Process child = DurableStoreChild.start(dir);
        List<Integer> acked = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while (acked.size() < 100 && (line = out.readLine()) != null) {
                assertThat(line).doesNotStartWith("failed");
                if (line.startsWith("ACK ")) { // the rest is the child's log
                    acked.add(Integer.parseInt(line.substring(4)));
                }
            }
            child.destroyForcibly(); // SIGKILL, in the middle of storing
            child.waitFor();
        }
        assertThat(acked).hasSize(100);

        try (DurableStoreHarness store = new DurableStoreHarness(dir)) {
            Map<String, DurableStore.DurableDataEnvelope> loaded = store.loadAll();
            for (int i : acked) {
                assertThat(DurableStoreHarness.map(loaded.get("k" + i % 10)).getEntries())
                        .as("acknowledged store %d", i).containsEntry("e" + i, "value " + i);
            }
        }
    }
}
