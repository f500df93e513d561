package io.berth.ops.node;

import com.typesafe.config.ConfigException;
import io.berth.ops.cli.ExitCodes;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code berth dev}: the whole cluster in this process, until interrupted. */
@Command(name = "dev", description = {"Run a one-node cluster in this process: scheduler, agent and the API on "
        + "127.0.0.1 (as root: it runs containers).",
        "Without --data-dir its state is temporary: its allocations stop and the state goes when it stops."})
public final class DevCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Keep the state here (jobs, images, allocations) across restarts; containers keep running "
                    + "while it is stopped and are taken up again.")
    Path dataDir;

    @Option(names = "--api-port", paramLabel = "PORT", defaultValue = "" + DevNode.DEFAULT_API_PORT,
            description = "The API's port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int apiPort;

    @Option(names = "--config", paramLabel = "FILE", description = "A HOCON file with berth.agent and pekko settings.")
    Path config;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        DevNode dev;
        try {
            Nodes.requireRoot("berth dev");
            dev = DevNode.start(dataDir, NodeOptions.port("--api-port", String.valueOf(apiPort)), NodeOptions.file(config),
                    BerthNode.AgentHost.defaults());
        } catch (IllegalArgumentException | ConfigException e) {
            err.println("berth dev: " + e.getMessage());
            return ExitCodes.USAGE;
        } catch (IOException | RuntimeException e) {
            err.println("berth dev: " + e.getMessage());
            return ExitCodes.FAILED;
        }
        Nodes.onSignal(dev.node()::close);
        out.println("berth dev: a one-node cluster (scheduler and agent) is up");
        out.println("  API   " + dev.node().apiAddress() + "   try: berth job run ops/examples/web.json");
        out.println("  data  " + dev.dataDir() + (dev.temporary() ? "   (temporary: removed on exit)" : ""));
        out.println("Ctrl-C stops it" + (dev.temporary() ? " and its allocations." : "; its containers keep running."));
        out.flush();
        try {
            dev.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        out.println("berth dev: stopped");
        return ExitCodes.OK;
    }
}
