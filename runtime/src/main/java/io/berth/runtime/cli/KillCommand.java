package io.berth.runtime.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code kill}: signals a container's init, or every process of it. */
@Command(name = "kill", description = "Send a signal to a container's init (or with --all, to all its processes).")
final class KillCommand implements Callable<Integer> {
    @ParentCommand
    RuntimeCli cli;

    @Parameters(index = "0", paramLabel = "<container-id>")
    String id;

    @Parameters(index = "1", arity = "0..1", paramLabel = "<signal>", defaultValue = "SIGTERM",
            description = "A name with or without SIG (TERM, SIGKILL, RTMIN+1) or a number (default: ${DEFAULT-VALUE}).")
    String signal;

    @Option(names = {"-a", "--all"}, description = "Signal every process in the container's cgroup.")
    boolean all;

    @Override
    public Integer call() {
        cli.runtime().kill(id, Signals.parse(signal), all);
        return 0;
    }
}
