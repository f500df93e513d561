package io.berth.ops.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.berth.ops.cli.ExitCodes;
import io.berth.scheduler.cluster.ClusterSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.CoordinatedShutdown;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code berth server} and {@code berth agent}: the two roles of a node on a real machine. */
public final class NodeCommands {

    private NodeCommands() {}

    /** What both commands do: read the settings, start the node, run until a signal. */
    abstract static class RunNode implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        NodeOptions options;

        abstract String role();

        /** Settings of this role's own options, over the operator's. */
        Config roleConfig(Config operator) {
            return operator;
        }

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            String name = spec.qualifiedName(" ");
            BerthNode node;
            try {
                if (role().equals("agent")) {
                    Nodes.requireRoot(name);
                }
                // the command exits itself once the node has stopped, with a code that says whether it was asked to
                // (a node the cluster downed exits with 1, so a supervisor such as systemd starts it again)
                Config operator = ConfigFactory.parseString("berth.cluster.exit-jvm = off")
                        .withFallback(roleConfig(options.operatorConfig(role())));
                ClusterSettings settings = ClusterSettings.fromConfig(operator.withFallback(ConfigFactory.load()));
                node = BerthNode.start(settings, operator, BerthNode.AgentHost.defaults());
            } catch (IllegalArgumentException | ConfigException e) {
                err.println(name + ": " + e.getMessage());
                return ExitCodes.USAGE;
            } catch (IOException | RuntimeException e) {
                err.println(name + ": " + e.getMessage());
                return ExitCodes.FAILED;
            }
            Nodes.onSignal(node::close);
            PrintWriter out = spec.commandLine().getOut();
            ClusterSettings s = node.settings();
            out.println(name + ": node " + s.nodeName() + " is up (role " + role() + "), cluster address "
                    + s.host() + ":" + s.port() + (s.seedNodes().isEmpty() ? ", a cluster of its own"
                    : ", joining " + String.join(", ", s.seedNodes())) + "; data in " + s.dataDir());
            if (node.apiAddress() != null) {
                out.println(name + ": API on " + node.apiAddress());
            }
            out.println(name + ": Ctrl-C (or SIGTERM) leaves the cluster and stops");
            out.flush();
            try {
                node.awaitTermination();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            var reason = node.stopReason().orElse(null);
            if (reason != null && !reason.equals(CoordinatedShutdown.jvmExitReason())) {
                err.println(name + ": the node stopped without being asked to (" + reason + ")");
                return ExitCodes.FAILED;
            }
            out.println(name + ": stopped");
            return ExitCodes.OK;
        }
    }

    @Command(name = "server", description = {"Run a scheduler node: the job store, the scheduler and the HTTP API.",
            "Three or five servers make a cluster that survives the loss of one or two; agents join them."})
    public static final class Server extends RunNode {
        @Option(names = "--api", paramLabel = "HOST:PORT",
                description = "Where the HTTP API listens (default: berth.api.host and port, 127.0.0.1:7700). "
                        + "Beyond loopback it requires tokens (berth.api.tokens-file).")
        String api;

        @Option(names = "--api-https", description = "Serve the API over HTTPS with the node's certificate "
                + "(--tls-dir or berth.tls.dir; berth.tls.api).")
        boolean apiHttps;

        @Override
        String role() {
            return "scheduler";
        }

        @Override
        Config roleConfig(Config operator) {
            if (apiHttps) {
                operator = ConfigFactory.parseString("berth.tls.api = on").withFallback(operator);
            }
            if (api == null) {
                return operator;
            }
            int colon = api.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("--api: '" + api + "' is not HOST:PORT, e.g. 0.0.0.0:7700");
            }
            return ConfigFactory.empty()
                    .withValue("berth.api.host", ConfigValueFactory.fromAnyRef(api.substring(0, colon)))
                    .withValue("berth.api.port", ConfigValueFactory.fromAnyRef(
                            NodeOptions.port("--api", api.substring(colon + 1))))
                    .withFallback(operator);
        }
    }

    @Command(name = "agent", description = {"Run an agent node: it joins the cluster, registers with the scheduler "
            + "and runs the allocations it is given (as root: namespaces, cgroups, networks)."})
    public static final class Agent extends RunNode {
        @Override
        String role() {
            return "agent";
        }
    }
}
