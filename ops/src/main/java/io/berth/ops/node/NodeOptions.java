package io.berth.ops.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options of {@code berth server} and {@code berth agent}: a HOCON file ({@code berth { cluster {...}
 * api {...} agent {...} }}, Pekko's settings), and the few settings one usually gives on the command line, which
 * win over the file.
 */
public final class NodeOptions {

    @Option(names = "--config", paramLabel = "FILE",
            description = "A HOCON file with berth.cluster, berth.api, berth.agent (and pekko) settings.")
    Path config;

    @Option(names = "--join", paramLabel = "HOST:PORT", split = ",",
            description = "A seed node to join (repeatable, or comma-separated); without one the node forms a cluster "
                    + "of its own.")
    List<String> join = new ArrayList<>();

    @Option(names = "--bind", paramLabel = "HOST[:PORT]",
            description = "The address the node listens on for the cluster and other nodes reach it at "
                    + "(default: berth.cluster.host and port).")
    String bind;

    @Option(names = "--name", paramLabel = "NAME", description = "The node's name (default: the host name).")
    String name;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the node keeps its state "
            + "(default: berth.cluster.data-dir).")
    Path dataDir;

    @Option(names = "--tls-dir", paramLabel = "DIR",
            description = "Talk TLS with the other nodes, with this node's certificate from `berth tls cert` "
                    + "(berth.tls.enabled and berth.tls.dir). Required for a cluster across machines.")
    Path tlsDir;

    /**
     * The operator's configuration: these options over the file (the reference configuration is not included).
     *
     * @throws IllegalArgumentException naming the option or the file when one is wrong
     */
    Config operatorConfig(String role) {
        Config file = file(config);
        Config flags = ConfigFactory.empty()
                .withValue("berth.cluster.roles", ConfigValueFactory.fromIterable(List.of(role)));
        if (!join.isEmpty()) {
            flags = flags.withValue("berth.cluster.seed-nodes", ConfigValueFactory.fromIterable(join));
        }
        if (bind != null) {
            int colon = bind.lastIndexOf(':');
            String host = colon < 0 ? bind : bind.substring(0, colon);
            flags = flags.withValue("berth.cluster.host", ConfigValueFactory.fromAnyRef(host));
            if (colon >= 0) {
                flags = flags.withValue("berth.cluster.port", ConfigValueFactory.fromAnyRef(port("--bind", bind.substring(colon + 1))));
            }
        }
        if (name != null) {
            flags = flags.withValue("berth.cluster.node-name", ConfigValueFactory.fromAnyRef(name));
        }
        if (dataDir != null) {
            flags = flags.withValue("berth.cluster.data-dir",
                    ConfigValueFactory.fromAnyRef(dataDir.toAbsolutePath().toString()));
        }
        if (tlsDir != null) {
            flags = flags.withValue("berth.tls.enabled", ConfigValueFactory.fromAnyRef(true))
                    .withValue("berth.tls.dir", ConfigValueFactory.fromAnyRef(tlsDir.toAbsolutePath().toString()));
        }
        return flags.withFallback(file);
    }

    /**
     * The settings in a HOCON file; empty for null.
     *
     * @throws IllegalArgumentException naming the file (and the line) when it is missing or malformed
     */
    static Config file(Path config) {
        if (config == null) {
            return ConfigFactory.empty();
        }
        if (!Files.isRegularFile(config)) {
            throw new IllegalArgumentException("--config: " + config + ": no such file");
        }
        try {
            return ConfigFactory.parseFile(config.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (ConfigException e) {
            throw new IllegalArgumentException("--config: " + e.getMessage());
        }
    }

    static int port(String option, String text) {
        try {
            int port = Integer.parseInt(text);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException(option + ": '" + text + "' is not a port (0-65535)");
    }
}
