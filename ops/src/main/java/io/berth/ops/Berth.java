package io.berth.ops;

import io.berth.ops.bench.BenchCommand;
import io.berth.ops.demo.DemoCommand;
import io.berth.ops.image.ImageCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code berth} command line: one entry point, one subcommand per area. */
@Command(
        name = "berth",
        mixinStandardHelpOptions = true,
        versionProvider = Berth.Version.class,
        description = "Berth: a distributed container scheduler for OCI containers.",
        subcommands = {DemoCommand.class, BenchCommand.class, ImageCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:the operation failed", "2:invalid arguments"})
public final class Berth {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests call {@code execute} on it. */
    public static CommandLine commandLine() {
        return new CommandLine(new Berth());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Berth.class.getPackage().getImplementationVersion();
            return new String[] {"berth " + (v == null ? "development build" : v)};
        }
    }
}
