package io.berth.runtime.cli;

import io.berth.runtime.ContainerNotFoundException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code delete}: removes a stopped container (any container with {@code --force}). */
@Command(name = "delete", description = "Delete a stopped container: its cgroup, mounts and state.")
final class DeleteCommand implements Callable<Integer> {
    @ParentCommand
    RuntimeCli cli;

    @Parameters(index = "0", paramLabel = "<container-id>")
    String id;

    @Option(names = {"-f", "--force"}, description = "Kill the container first if it is still created or running.")
    boolean force;

    @Override
    public Integer call() {
        try {
            cli.runtime().delete(id, force);
        } catch (ContainerNotFoundException e) {
            // As runc: a forced delete makes sure the container is gone, and it is. containerd and the
            // validation suite clean up this way after a failed create.
            if (!force) {
                throw e;
            }
        }
        return 0;
    }
}
