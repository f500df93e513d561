package io.berth.agent;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The node agent's settings.
 *
 * @param dataDir      where the agent keeps its database ({@code allocations/}) and each allocation's bundle
 *                     and logs ({@code allocs/<id>/})
 * @param labels       the operator's labels for this node (constraints match them); never null
 * @param logMaxBytes  the largest size of one log file
 * @param logMaxFiles  how many log files a stream keeps (the current one included)
 * @param stableAfter  a run at least this long resets the restart back-off
 */
public record AgentConfig(Path dataDir, Map<String, String> labels, long logMaxBytes, int logMaxFiles,
                          Duration stableAfter) {
    public AgentConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        Objects.requireNonNull(stableAfter, "stableAfter");
        if (logMaxBytes < 1 || logMaxFiles < 1) {
            throw new IllegalArgumentException("berth.agent.logs: max-bytes and max-files must be at least 1, got "
                    + logMaxBytes + " and " + logMaxFiles);
        }
    }

    /**
     * Reads the {@code berth.agent} section (defaults in the agent's {@code reference.conf}).
     *
     * @throws com.typesafe.config.ConfigException naming the setting and the file when one is missing or malformed
     */
    public static AgentConfig fromConfig(Config config) {
        // full paths, so an error names the whole setting
        String a = "berth.agent.";
        Map<String, String> labels = new TreeMap<>();
        for (var e : config.getConfig(a + "labels").entrySet()) {
            labels.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
        }
        return new AgentConfig(Path.of(config.getString(a + "data-dir")), labels, config.getBytes(a + "logs.max-bytes"),
                config.getInt(a + "logs.max-files"), config.getDuration(a + "restart.stable-after"));
    }

    /** 10 MiB times 5 files per stream, back-off reset after 5 minutes of running: Nomad's and Docker's order of size. */
    public static AgentConfig defaults(Path dataDir) {
        return new AgentConfig(dataDir, Map.of(), 10L << 20, 5, Duration.ofMinutes(5));
    }
}
