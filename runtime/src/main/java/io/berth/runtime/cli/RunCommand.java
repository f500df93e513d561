package io.berth.runtime.cli;

import io.berth.runtime.ContainerRuntime;
import io.berth.runtime.ContainerRuntimeException;
import io.berth.runtime.ExitStatus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code run}: create and start. In the foreground it forwards signals to the container, waits for it,
 * deletes it and exits with its exit code (128 + n when signal n killed it); detached it returns once started.
 */
@Command(name = "run", description = "Create and start a container; in the foreground, wait and exit with its exit code.")
final class RunCommand implements Callable<Integer> {
    @ParentCommand
    RuntimeCli cli;

    @Mixin
    CreateArgs args;

    @Option(names = {"-d", "--detach"}, description = "Return once the container has started.")
    boolean detach;

    @Override
    public Integer call() {
        ContainerRuntime runtime = cli.runtime();
        String id = args.id;
        runtime.create(args.toOptions(cli.stdio()));
        if (detach) {
            try {
                runtime.start(id);
            } catch (RuntimeException e) {
                removeAfterFailure(runtime, id, e);
                throw e;
            }
            return 0;
        }
        ExitStatus exit;
        try (SignalForwarder forwarder = SignalForwarder.install(sig -> forward(runtime, id, sig))) {
            runtime.start(id);
            exit = runtime.exitFuture(id).join();
        } catch (RuntimeException e) {
            removeAfterFailure(runtime, id, e);
            throw e;
        }
        if (exit.oomKilled()) {
            cli.log().debug("container " + id + " was killed by the OOM killer");
        }
        runtime.delete(id, true);
        return exit.exitCode();
    }

    /** A run that failed leaves nothing behind; the first failure is the one the user sees. */
    private static void removeAfterFailure(ContainerRuntime runtime, String id, RuntimeException failure) {
        try {
            runtime.delete(id, true);
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private void forward(ContainerRuntime runtime, String id, int signal) {
        try {
            runtime.kill(id, signal, false);
        } catch (ContainerRuntimeException stoppedMeanwhile) {
            cli.log().debug("signal " + Signals.name(signal) + " not forwarded: " + stoppedMeanwhile.getMessage());
        }
    }
}
