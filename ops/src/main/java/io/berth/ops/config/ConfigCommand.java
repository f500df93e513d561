package io.berth.ops.config;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code berth config}: the node settings. */
@Command(name = "config", description = "Berth's node settings.",
        subcommands = {ConfigCommand.Reference.class})
public final class ConfigCommand {

    /** {@code berth config reference}: every setting with its default and description, as markdown. */
    @Command(name = "reference", description = {"Print every berth.* setting with its default and what it does, "
            + "as markdown (ops/CONFIGURATION.md is this output)."})
    static final class Reference implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            out.print(ConfigReference.markdown());
            out.flush();
            return 0;
        }
    }
}
