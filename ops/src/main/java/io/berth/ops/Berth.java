package io.berth.ops;

import io.berth.ops.bench.BenchCommand;
import io.berth.ops.cli.AllocCommand;
import io.berth.ops.config.ConfigCommand;
import io.berth.ops.cli.EventsCommand;
import io.berth.ops.cli.ExitCodes;
import io.berth.ops.cli.JobCommand;
import io.berth.ops.cli.NodeCommand;
import io.berth.ops.demo.DemoCommand;
import io.berth.ops.image.ImageCommand;
import io.berth.ops.node.DevCommand;
import io.berth.ops.node.NodeCommands;
import io.berth.ops.operator.ClusterCommand;
import io.berth.ops.operator.JobStoreCommand;
import io.berth.ops.tls.TlsCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code berth} command line: one entry point, one subcommand per area. */
@Command(
        name = "berth",
        mixinStandardHelpOptions = true,
        scope = CommandLine.ScopeType.INHERIT, // --help and --version on every subcommand
        versionProvider = Berth.Version.class,
        description = "Berth: a distributed container scheduler for OCI containers.",
        subcommands = {DemoCommand.class, DevCommand.class, NodeCommands.Server.class, NodeCommands.Agent.class,
                JobCommand.class, AllocCommand.class, NodeCommand.class, ClusterCommand.class, JobStoreCommand.class,
                EventsCommand.class, ImageCommand.class, TlsCommand.class, ConfigCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Berth {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests call {@code execute} on it. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Berth());
        listExitCodes(cli);
        return cli;
    }

    /** Every command's help ends with the exit codes, unless the command lists its own. */
    private static void listExitCodes(CommandLine cli) {
        var usage = cli.getCommandSpec().usageMessage();
        if (usage.exitCodeList().isEmpty()) {
            usage.exitCodeListHeading("%nExit codes:%n").exitCodeList(ExitCodes.HELP);
        }
        cli.getSubcommands().values().forEach(Berth::listExitCodes);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Berth.class.getPackage().getImplementationVersion();
            return new String[] {"berth " + (v == null ? "development build" : v)};
        }
    }
}
