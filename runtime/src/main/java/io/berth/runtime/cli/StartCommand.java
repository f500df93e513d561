package io.berth.runtime.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code start}: runs the user process of a created container. */
@Command(name = "start", description = "Start a created container's process.")
final class StartCommand implements Callable<Integer> {
    @ParentCommand
    RuntimeCli cli;

    @Parameters(index = "0", paramLabel = "<container-id>")
    String id;

    @Override
    public Integer call() {
        cli.runtime().start(id);
        return 0;
    }
}
