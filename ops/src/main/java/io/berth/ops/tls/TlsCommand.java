package io.berth.ops.tls;

import io.berth.ops.cli.ExitCodes;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code berth tls}: the cluster's certificate authority and its nodes' certificates. */
@Command(name = "tls", description = {"Make the certificates nodes need to talk TLS with each other (and the API "
        + "HTTPS): a CA, and one certificate per node signed by it.",
        "A cluster across machines must run with TLS: give each node its directory (DIR/nodes/NAME) as --tls-dir."},
        subcommands = {TlsCommand.Init.class, TlsCommand.Cert.class})
public final class TlsCommand {

    /** What issuing a node certificate takes. */
    static final class NodeOptions {
        @Option(names = "--san", paramLabel = "ADDRESS", split = ",",
                description = "An IP address or DNS name other nodes reach this node at (repeatable, or "
                        + "comma-separated); at least its berth.cluster.host.")
        List<String> sans = new ArrayList<>();

        @Option(names = "--days", paramLabel = "DAYS", defaultValue = "825",
                description = "How long the node's certificate is valid (default: ${DEFAULT-VALUE}).")
        long days;
    }

    abstract static class Base implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--dir", paramLabel = "DIR", required = true,
                description = "Where the CA is (DIR/ca) and node directories go (DIR/nodes/NAME).")
        Path dir;

        @Option(names = "--force", description = "Replace what is there.")
        boolean force;

        abstract void run(PrintWriter out) throws IOException;

        @Override
        public Integer call() {
            try {
                run(spec.commandLine().getOut());
                spec.commandLine().getOut().flush();
                return ExitCodes.OK;
            } catch (IllegalArgumentException e) {
                spec.commandLine().getErr().println(spec.qualifiedName(" ") + ": " + e.getMessage());
                return ExitCodes.USAGE;
            } catch (IOException | RuntimeException e) {
                spec.commandLine().getErr().println(spec.qualifiedName(" ") + ": " + e.getMessage());
                return ExitCodes.FAILED;
            }
        }

        void issue(CertificateAuthority ca, String node, NodeOptions options, PrintWriter out) throws IOException {
            Path nodeDir = ca.issue(node, options.sans, Duration.ofDays(options.days), force);
            out.println("node " + node + ": " + nodeDir + " (" + String.join(", ", options.sans) + ")");
            out.println("  copy this directory to the node and start it with --tls-dir <the copy> (berth.tls.dir)");
        }
    }

    @Command(name = "init", description = {"Make a new CA in DIR/ca (it stays with you; no node needs its key), "
            + "and, with --node, the first node's certificate."})
    static final class Init extends Base {
        @Option(names = "--ca-name", paramLabel = "NAME", defaultValue = "Berth cluster CA",
                description = "The CA's common name (default: ${DEFAULT-VALUE}).")
        String caName;

        @Option(names = "--ca-days", paramLabel = "DAYS", defaultValue = "3650",
                description = "How long the CA is valid (default: ${DEFAULT-VALUE}); no node certificate outlives it.")
        long caDays;

        @Option(names = "--node", paramLabel = "NAME", description = "Also issue a certificate for this node.")
        String node;

        @Mixin
        NodeOptions nodeOptions;

        @Override
        void run(PrintWriter out) throws IOException {
            if (node == null && !nodeOptions.sans.isEmpty()) {
                throw new IllegalArgumentException("--san: only with --node");
            }
            CertificateAuthority ca = CertificateAuthority.create(dir, caName, Duration.ofDays(caDays), force);
            out.println("CA: " + dir.resolve("ca") + " (keep ca.p12 and password there safe; ca.crt is what HTTPS "
                    + "clients trust)");
            if (node != null) {
                issue(ca, node, nodeOptions, out);
            }
        }
    }

    @Command(name = "cert", description = "Issue a node's certificate with the CA in DIR/ca, into DIR/nodes/NAME.")
    static final class Cert extends Base {
        @Option(names = "--node", paramLabel = "NAME", required = true,
                description = "The node's name (its berth.cluster.node-name).")
        String node;

        @Mixin
        NodeOptions nodeOptions;

        @Override
        void run(PrintWriter out) throws IOException {
            issue(CertificateAuthority.load(dir), node, nodeOptions, out);
        }
    }
}
