package io.berth.storage.durable;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.cluster.ddata.LWWMap;

/**
 * The body of a child JVM that {@link RocksDbDurableStoreTest} SIGKILLs while it stores: ten keys, each an
 * {@code LWWMap} that gains entry {@code e<i>} at store {@code i} (key {@code k<i % 10>}), as fast as the store
 * acknowledges. It prints {@code ACK <i>} for each acknowledged store.
 */
public final class DurableStoreChild {
    private DurableStoreChild() {}

    /** Starts this class in a new JVM with the test class path, storing into {@code dir}. */
    static Process start(Path dir) throws java.io.IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), DurableStoreChild.class.getName(), dir.toString()));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    public static void main(String[] args) throws Exception {
        DurableStoreHarness harness = new DurableStoreHarness(Path.of(args[0]));
        harness.loadAll();
        List<LWWMap<String, String>> maps = new ArrayList<>();
        for (int k = 0; k < 10; k++) {
            maps.add(LWWMap.create());
        }
        int inFlight = 0;
        for (int i = 0; ; i++) {
            int k = i % 10;
            maps.set(k, maps.get(k).put(DurableStoreHarness.NODE, "e" + i, "value " + i));
            harness.store("k" + k, maps.get(k), "ACK " + i);
            // keep a few stores in flight so that group commits happen as under load
            if (++inFlight >= 4) {
                System.out.println(harness.next());
                System.out.flush();
                inFlight--;
            }
        }
    }
}
