package io.berth.runtime.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code create}: sets a container up and leaves it waiting for {@code start}. */
@Command(name = "create", description = "Create a container from a bundle; it waits for 'start'.")
final class CreateCommand implements Callable<Integer> {
    @ParentCommand
    RuntimeCli cli;

    @Mixin
    CreateArgs args;

    @Override
    public Integer call() {
        cli.runtime().create(args.toOptions(cli.stdio()));
        return 0;
    }
}
