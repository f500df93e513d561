package io.berth.runtime.cli;

import io.berth.runtime.ContainerRuntime;
import io.berth.runtime.Stdio;
import io.berth.runtime.linux.InitSpawner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code berth-runtime}: Berth's OCI runtime behind runc's command line, so that tools written for runc (the
 * runtime-tools validation suite, containerd's shim, podman's conmon) drive it unchanged.
 *
 * <p>The global options go before (or, unlike runc, also after) the subcommand. Every failure exits non-zero
 * with one line on stderr, {@code berth-runtime: <what was wrong>}, and the same message as an error entry
 * in the {@code --log} file (logrus's text or JSON line format, which containerd parses).
 *
 * <p>One instance runs one command line; it is not thread-safe.
 */
@Command(
        name = "berth-runtime",
        mixinStandardHelpOptions = true,
        versionProvider = RuntimeCli.Version.class,
        description = "Berth's OCI runtime (runtime-spec 1.2) with runc's command line.",
        subcommands = {
            CreateCommand.class, StartCommand.class, RunCommand.class, StateCommand.class, KillCommand.class,
            DeleteCommand.class, ListCommand.class, PsCommand.class, ExecCommand.class, EventsCommand.class,
            FeaturesCommand.class, SpecCommand.class, CommandLine.HelpCommand.class
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:the operation failed", "2:invalid arguments",
            "n:run and exec in the foreground exit with the container process's exit code"})
public final class RuntimeCli {
    /** The exit code of a failed operation, as runc's. */
    static final int FAILED = 1;
    /** The exit code of a command line that does not parse. */
    static final int USAGE = 2;

    @Option(names = "--root", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "Where container state lives (default: ${DEFAULT-VALUE}).")
    Path root = ContainerRuntime.DEFAULT_STATE_ROOT;

    @Option(names = "--log", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "Also append errors (and with --debug, debug messages) to this file.")
    Path log;

    @Option(names = "--log-format", scope = ScopeType.INHERIT, paramLabel = "text|json",
            description = "The --log file's format: text (logrus key=value lines) or json (default: ${DEFAULT-VALUE}).")
    CliLog.Format logFormat = CliLog.Format.text;

    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Log debug messages.")
    boolean debug;

    @Option(names = "--systemd-cgroup", scope = ScopeType.INHERIT,
            description = "Accepted for runc compatibility; refused: Berth manages cgroups through cgroupfs.")
    boolean systemdCgroup;

    private final Stdio stdio;
    private PrintWriter out;
    private PrintWriter err;
    private CliLog cliLog;
    private ContainerRuntime runtime;

    private RuntimeCli(Stdio stdio) {
        this.stdio = stdio;
    }

    public static void main(String[] args) {
        configureProcess(args);
        int code = commandLine(Stdio.inherit()).execute(args);
        System.out.flush();
        System.exit(code);
    }

    /** What a process running one command line sets before the first command: logging, and no helpers ahead. */
    static void configureProcess(String[] args) {
        // Runtime internals log through SLF4J; the distribution's logback would print them on stdout, where
        // `state` and `list` write their documents. Off unless --debug, and then on stderr.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "io/berth/runtime/cli/logback-cli.xml");
            System.setProperty("berth.runtime.log.level", Arrays.asList(args).contains("--debug") ? "DEBUG" : "OFF");
        }
        // Without a logging backend on the class path SLF4J would print three lines of warnings on stderr.
        System.setProperty("slf4j.internal.verbosity", "ERROR");
        // One container per process: threads and network namespaces made ahead for the next one would be waste.
        InitSpawner.noPreparationAhead();
    }

    /**
     * The command line, ready to {@code execute}. Containers it creates or execs into get {@code stdio}
     * (the process's own fds for the real command line; files in tests, whose stdout belongs to the test
     * runner). Its output goes to the writers set with {@link CommandLine#setOut}/{@link CommandLine#setErr}.
     */
    public static CommandLine commandLine(Stdio stdio) {
        RuntimeCli cli = new RuntimeCli(stdio);
        CommandLine cl = new CommandLine(cli);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // exec's command, like runc's, is everything after the id, options included.
        cl.getSubcommands().get("exec").setStopAtPositional(true);
        cl.getSubcommands().get("ps").setStopAtPositional(true);
        cl.setExecutionStrategy(parseResult -> {
            cli.out = cl.getOut();
            cli.err = cl.getErr();
            try {
                if (cli.debug) {
                    cli.log().debug("berth-runtime " + String.join(" ", parseResult.originalArgs()));
                }
                if (cli.systemdCgroup) {
                    return cli.fail("--systemd-cgroup is not supported: Berth manages cgroups through cgroupfs; "
                            + "drop the option (containerd: SystemdCgroup = false)", USAGE);
                }
                return new CommandLine.RunLast().execute(parseResult);
            } finally {
                cli.closeRuntime();
            }
        });
        cl.setExecutionExceptionHandler((e, cmd, parseResult) -> cli.fail(Errors.oneLine(e), FAILED));
        cl.setParameterExceptionHandler((e, args) -> {
            cli.out = cl.getOut();
            cli.err = cl.getErr();
            return cli.fail(Errors.oneLine(e) + " (see berth-runtime "
                    + commandPath(e.getCommandLine()) + "--help)", USAGE);
        });
        return cl;
    }

    private static String commandPath(CommandLine cmd) {
        String qualified = cmd.getCommandSpec().qualifiedName(" ");
        String sub = qualified.startsWith("berth-runtime") ? qualified.substring("berth-runtime".length()).trim() : "";
        return sub.isEmpty() ? "" : sub + " ";
    }

    /** Reports a failure: one line on stderr and an error entry in the log file; returns {@code code}. */
    int fail(String message, int code) {
        err.println("berth-runtime: " + message);
        err.flush();
        log().error(message);
        return code;
    }

    /** The runtime over {@code --root}, opened on first use and closed when the command ends. */
    ContainerRuntime runtime() {
        if (runtime == null) {
            runtime = ContainerRuntime.open(root.toAbsolutePath());
        }
        return runtime;
    }

    private void closeRuntime() {
        if (runtime != null) {
            runtime.close();
            runtime = null;
        }
    }

    Stdio stdio() {
        return stdio;
    }

    PrintWriter out() {
        return out;
    }

    CliLog log() {
        if (cliLog == null) {
            cliLog = new CliLog(log, logFormat, debug, err);
        }
        return cliLog;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = RuntimeCli.class.getPackage().getImplementationVersion();
            return new String[] {
                "berth-runtime version " + (v == null ? "development build" : v),
                "spec: " + io.berth.protocol.oci.runtime.RuntimeSpecs.OCI_VERSION
            };
        }
    }
}
