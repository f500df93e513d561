package io.berth.runtime.cli;

import io.berth.protocol.oci.runtime.RuntimeSpecs;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code state}: prints the OCI state document. */
@Command(name = "state", description = "Print a container's OCI state as JSON.")
final class StateCommand implements Callable<Integer> {
    @ParentCommand
    RuntimeCli cli;

    @Parameters(index = "0", paramLabel = "<container-id>")
    String id;

    @Override
    public Integer call() {
        cli.out().println(new String(RuntimeSpecs.toJson(cli.runtime().state(id)), StandardCharsets.UTF_8));
        cli.out().flush();
        return 0;
    }
}
