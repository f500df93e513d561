package io.berth.agent;

import com.typesafe.config.Config;
import io.berth.protocol.cluster.PortRanges;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The node agent's settings.
 *
 * @param dataDir          where the agent keeps its database ({@code allocations/}) and each allocation's network
 *                         files and per task its bundle, logs and scratch directory ({@code allocs/<id>/})
 * @param nodeName         the node's name in the cluster; empty for the host name
 * @param datacenter       the operator's datacenter name
 * @param labels           the operator's labels for this node (constraints match them); never null
 * @param logMaxBytes      the largest size of one log file
 * @param logMaxFiles      how many log files a stream keeps (the current one included)
 * @param stableAfter      a run at least this long resets the restart back-off
 * @param askTimeout       how long the agent waits for the scheduler to answer a registration (then it sends it
 *                         again) or a heartbeat (three unanswered ones in a row and it registers again)
 * @param drainOnShutdown  whether a graceful shutdown of the agent stops every allocation first (else they keep
 *                         running, to be taken up again by the next agent process)
 * @param reservedPorts    host ports the scheduler never gives to allocations on this node (other programs use
 *                         them: sshd, a local proxy ...); never null
 */
public record AgentConfig(Path dataDir, String nodeName, String datacenter, Map<String, String> labels,
                          long logMaxBytes, int logMaxFiles, Duration stableAfter, Duration askTimeout,
                          boolean drainOnShutdown, PortRanges reservedPorts) {
    public AgentConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        nodeName = nodeName == null ? "" : nodeName;
        if (datacenter == null || datacenter.isBlank()) {
            throw new IllegalArgumentException("berth.agent.datacenter: must not be empty");
        }
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        Objects.requireNonNull(stableAfter, "stableAfter");
        if (logMaxBytes < 1 || logMaxFiles < 1) {
            throw new IllegalArgumentException("berth.agent.logs: max-bytes and max-files must be at least 1, got "
                    + logMaxBytes + " and " + logMaxFiles);
        }
        if (askTimeout == null || askTimeout.isNegative() || askTimeout.isZero()) {
            throw new IllegalArgumentException("berth.agent.ask-timeout: must be positive, got " + askTimeout);
        }
        reservedPorts = reservedPorts == null ? PortRanges.NONE : reservedPorts;
    }

    /**
     * Reads the {@code berth.agent} section (defaults in the agent's {@code reference.conf}).
     *
     * @throws com.typesafe.config.ConfigException naming the setting and the file when one is missing or malformed
     * @throws IllegalArgumentException naming the setting and the entry when a value is out of its range
     */
    public static AgentConfig fromConfig(Config config) {
        // full paths, so an error names the whole setting
        String a = "berth.agent.";
        Map<String, String> labels = new TreeMap<>();
        for (var e : config.getConfig(a + "labels").entrySet()) {
            labels.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
        }
        return new AgentConfig(Path.of(config.getString(a + "data-dir")), config.getString(a + "name"),
                config.getString(a + "datacenter"), labels, config.getBytes(a + "logs.max-bytes"),
                config.getInt(a + "logs.max-files"), config.getDuration(a + "restart.stable-after"),
                config.getDuration(a + "ask-timeout"), config.getBoolean(a + "drain-on-shutdown"),
                reservedPorts(config.getString(a + "reserved-ports")));
    }

    private static PortRanges reservedPorts(String text) {
        try {
            return PortRanges.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("berth.agent.reserved-ports: " + e.getMessage());
        }
    }

    /**
     * The host name, datacenter {@code dc1}, 10 MiB times 5 files per stream, back-off reset after 5 minutes of
     * running (Nomad's and Docker's order of size), the scheduler's answers awaited 5 s, no drain on shutdown, no
     * reserved ports.
     */
    public static AgentConfig defaults(Path dataDir) {
        return new AgentConfig(dataDir, "", "dc1", Map.of(), 10L << 20, 5, Duration.ofMinutes(5), Duration.ofSeconds(5),
                false, PortRanges.NONE);
    }

    public AgentConfig withNodeName(String name) {
        return new AgentConfig(dataDir, name, datacenter, labels, logMaxBytes, logMaxFiles, stableAfter, askTimeout,
                drainOnShutdown, reservedPorts);
    }

    public AgentConfig withLogs(long maxBytes, int maxFiles) {
        return new AgentConfig(dataDir, nodeName, datacenter, labels, maxBytes, maxFiles, stableAfter, askTimeout,
                drainOnShutdown, reservedPorts);
    }

    public AgentConfig withAskTimeout(Duration timeout) {
        return new AgentConfig(dataDir, nodeName, datacenter, labels, logMaxBytes, logMaxFiles, stableAfter, timeout,
                drainOnShutdown, reservedPorts);
    }

    public AgentConfig withDrainOnShutdown(boolean drain) {
        return new AgentConfig(dataDir, nodeName, datacenter, labels, logMaxBytes, logMaxFiles, stableAfter,
                askTimeout, drain, reservedPorts);
    }

    public AgentConfig withReservedPorts(PortRanges ports) {
        return new AgentConfig(dataDir, nodeName, datacenter, labels, logMaxBytes, logMaxFiles, stableAfter,
                askTimeout, drainOnShutdown, ports);
    }
}
