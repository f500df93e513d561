package io.berth.scheduler.cluster;

import com.typesafe.config.Config;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What makes one Berth node in the cluster. Immutable; the constructor checks every field and says which one is
 * wrong.
 *
 * @param nodeName  the node's name (agents report under it): letters, digits, {@code - _ .}
 * @param host      the address the node binds and the other nodes reach it on
 * @param port      the Artery TCP port, 0 for any free one (only a one-node cluster can use that)
 * @param roles     what the node runs, at least one
 * @param seedNodes {@code host:port} of nodes to join, possibly this node; empty for a cluster of its own
 * @param dataDir   where the node keeps its state (the job store under {@code ddata})
 * @param exitJvm   whether the JVM exits once the node has left the cluster or was downed
 */
public record ClusterSettings(String nodeName, String host, int port, Set<Role> roles, List<String> seedNodes,
        Path dataDir, boolean exitJvm) {

    /** What a node runs. A {@code berth dev} node has both. */
    public enum Role {
        /** holds the job store and may host the scheduler singleton */
        SCHEDULER,
        /** runs containers */
        AGENT;

        /** The role's name in the configuration and in Pekko's member roles. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final Pattern SEED = Pattern.compile("([^:\\s]+):(\\d{1,5})");

    public ClusterSettings {
        if (nodeName == null || !NAME.matcher(nodeName).matches()) {
            throw new IllegalArgumentException("berth.cluster.node-name: '" + nodeName + "' is not a node name "
                    + "(letters, digits, - _ ., at most 128)");
        }
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("berth.cluster.host: required: the address other nodes reach this "
                    + "node on, e.g. 10.0.0.5");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("berth.cluster.port: must be between 0 and 65535, was " + port);
        }
        if (roles == null || roles.isEmpty()) {
            throw new IllegalArgumentException("berth.cluster.roles: at least one of scheduler, agent");
        }
        roles = Set.copyOf(roles);
        seedNodes = List.copyOf(Objects.requireNonNullElse(seedNodes, List.of()));
        for (int i = 0; i < seedNodes.size(); i++) {
            var m = SEED.matcher(seedNodes.get(i));
            if (!m.matches() || Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(2)) > 65535) {
                throw new IllegalArgumentException("berth.cluster.seed-nodes[" + i + "]: '" + seedNodes.get(i)
                        + "' is not host:port (e.g. 10.0.0.5:7701)");
            }
        }
        if (port == 0 && !seedNodes.isEmpty()) {
            throw new IllegalArgumentException("berth.cluster.port: 0 (any free port) only works for a cluster of "
                    + "one node: other nodes could not find this one; give a port");
        }
        Objects.requireNonNull(dataDir, "berth.cluster.data-dir");
    }

    /** A {@code berth dev} node: both roles on loopback, a cluster of its own, state under {@code dataDir}. */
    public static ClusterSettings dev(Path dataDir) {
        return new ClusterSettings("dev", "127.0.0.1", 0, EnumSet.allOf(Role.class), List.of(), dataDir, true);
    }

    /**
     * The settings under {@code berth.cluster} of {@code config} (see the scheduler's reference.conf).
     *
     * @throws IllegalArgumentException naming the setting that is wrong
     */
    public static ClusterSettings fromConfig(Config config) {
        Config c = config.getConfig("berth.cluster");
        String name = c.getString("node-name");
        Set<Role> roles = EnumSet.noneOf(Role.class);
        List<String> names = c.getStringList("roles");
        for (int i = 0; i < names.size(); i++) {
            try {
                roles.add(Role.valueOf(names.get(i).toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("berth.cluster.roles[" + i + "]: '" + names.get(i)
                        + "' is not a role (scheduler, agent)");
            }
        }
        return new ClusterSettings(name.isEmpty() ? hostName() : name, c.getString("host"), c.getInt("port"), roles,
                new ArrayList<>(c.getStringList("seed-nodes")), Path.of(c.getString("data-dir")),
                c.getBoolean("exit-jvm"));
    }

    /** Whether the node has {@code role}. */
    public boolean has(Role role) {
        return roles.contains(role);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName().split("\\.")[0];
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("berth.cluster.node-name: empty and the host name is unknown ("
                    + e.getMessage() + "): set a node name");
        }
    }
}
