package io.berth.runtime.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import io.berth.protocol.oci.runtime.RuntimeSpec;
import io.berth.protocol.oci.runtime.RuntimeSpecs;
import io.berth.runtime.ExecOptions;
import io.berth.runtime.ExecProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code exec}: runs another process in a running container, described either by a {@code process.json}
 * ({@code -p}, as containerd and podman do) or by the command after the id on top of the container's own
 * process (its env, cwd, user and capabilities), adjusted by the options. In the foreground it forwards
 * signals and exits with the process's exit code.
 */
@Command(name = "exec", description = "Run a process in a running container.")
final class ExecCommand implements Callable<Integer> {
    @ParentCommand
    RuntimeCli cli;

    @Parameters(index = "0", paramLabel = "<container-id>")
    String id;

    @Parameters(index = "1..*", paramLabel = "<command>", description = "The program and its arguments (unless -p).")
    List<String> command = new ArrayList<>();

    @Option(names = {"-p", "--process"}, paramLabel = "FILE", description = "A process.json (the config.json's process section) to run.")
    Path processFile;

    @Option(names = {"-e", "--env"}, paramLabel = "NAME=value", description = "Set an environment variable (repeatable).")
    List<String> env = new ArrayList<>();

    @Option(names = "--cwd", paramLabel = "DIR", description = "The working directory inside the container.")
    String cwd;

    @Option(names = {"-t", "--tty"}, description = "Give the process a terminal (needs --console-socket).")
    boolean tty;

    @Option(names = "--console-socket", paramLabel = "SOCKET", description = "Where to send the pty master (SCM_RIGHTS).")
    Path consoleSocket;

    @Option(names = {"-d", "--detach"}, description = "Return once the process has started.")
    boolean detach;

    @Option(names = "--pid-file", paramLabel = "FILE", description = "Write the process's pid to this file.")
    Path pidFile;

    @Option(names = {"-u", "--user"}, paramLabel = "UID[:GID]", description = "Run as this numeric user (and group).")
    String user;

    @Option(names = {"-g", "--additional-gids"}, paramLabel = "GID", description = "An additional group id (repeatable).")
    List<Long> additionalGids = new ArrayList<>();

    @Option(names = {"-c", "--cap"}, paramLabel = "CAP", description = "Add a capability, e.g. CAP_NET_ADMIN (repeatable).")
    List<String> caps = new ArrayList<>();

    @Option(names = "--no-new-privs", description = "Set no_new_privs for the process.")
    boolean noNewPrivs;

    @Option(names = "--preserve-fds", paramLabel = "N", description = "Pass N more file descriptors, from 3, to the process.")
    int preserveFds;

    @Override
    public Integer call() {
        RuntimeSpec.Process process = processFile != null ? readProcessFile() : fromContainer();
        List<String> errors = RuntimeSpecs.validateProcess(process, "$");
        if (!errors.isEmpty()) {
            throw new CliException((processFile != null ? processFile.toString() : "exec") + ": " + String.join("; ", errors));
        }
        if (preserveFds < 0) {
            throw new CliException("--preserve-fds must be 0 or more, was " + preserveFds);
        }
        ExecOptions options = new ExecOptions(absolute(consoleSocket), absolute(pidFile), preserveFds, cli.stdio());
        if (detach) {
            cli.runtime().exec(id, process, options);
            return 0;
        }
        // Forward from before the exec: a signal sent meanwhile must not end the JVM and orphan the process.
        int[] pid = {0};
        try (SignalForwarder forwarder = SignalForwarder.install(sig -> forward(pid[0], sig))) {
            ExecProcess started = cli.runtime().exec(id, process, options);
            pid[0] = started.pid();
            return started.exit().join().exitCode();
        }
    }

    private RuntimeSpec.Process readProcessFile() {
        if (!command.isEmpty()) {
            throw new CliException("give either --process or a command, not both");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(processFile);
        } catch (NoSuchFileException e) {
            throw new CliException(processFile + ": no such file");
        } catch (IOException e) {
            throw new CliException(processFile + ": cannot read: " + e.getMessage());
        }
        RuntimeSpec.Process p;
        try {
            p = RuntimeSpecs.JSON.readValue(bytes, RuntimeSpec.Process.class);
        } catch (JsonMappingException e) {
            throw new CliException(processFile + ": " + jsonPath(e) + ": " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new CliException(processFile + ": $: not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new CliException(processFile + ": cannot read: " + e.getMessage());
        }
        if (p == null) {
            throw new CliException(processFile + ": $: the document is empty");
        }
        return withOverrides(p, p.args());
    }

    private RuntimeSpec.Process fromContainer() {
        if (command.isEmpty()) {
            throw new CliException("exec needs a command after the container id, or --process FILE");
        }
        return withOverrides(cli.runtime().spec(id).process(), command);
    }

    /** The options on top of a process, as runc applies them to both sources. */
    private RuntimeSpec.Process withOverrides(RuntimeSpec.Process p, List<String> args) {
        Map<String, String> environment = new LinkedHashMap<>();
        for (List<String> source : List.of(p.env() == null ? List.<String>of() : p.env(), env)) {
            for (String e : source) {
                int eq = e.indexOf('=');
                if (eq <= 0) {
                    throw new CliException("--env '" + e + "': must be NAME=value");
                }
                environment.put(e.substring(0, eq), e);
            }
        }
        RuntimeSpec.User u = p.user();
        if (user != null) {
            u = parseUser(user, u);
        }
        if (!additionalGids.isEmpty()) {
            u = new RuntimeSpec.User(u.uid(), u.gid(), u.umask(), additionalGids, u.username());
        }
        RuntimeSpec.Capabilities c = p.capabilities();
        if (!caps.isEmpty()) {
            c = new RuntimeSpec.Capabilities(plus(c == null ? null : c.bounding(), caps),
                    plus(c == null ? null : c.effective(), caps), c == null ? null : c.inheritable(),
                    plus(c == null ? null : c.permitted(), caps), c == null ? null : c.ambient());
        }
        boolean terminal = tty || Boolean.TRUE.equals(p.terminal()) && processFile != null;
        return new RuntimeSpec.Process(terminal, p.consoleSize(), u, args, p.commandLine(),
                new ArrayList<>(environment.values()), cwd != null ? cwd : p.cwd(), c, p.rlimits(),
                noNewPrivs || Boolean.TRUE.equals(p.noNewPrivileges()), p.apparmorProfile(), p.oomScoreAdj(),
                p.selinuxLabel());
    }

    private static RuntimeSpec.User parseUser(String spec, RuntimeSpec.User base) {
        String[] parts = spec.split(":", -1);
        try {
            long uid = Long.parseLong(parts[0]);
            long gid = parts.length > 1 ? Long.parseLong(parts[1]) : (base == null || base.gid() == null ? 0 : base.gid());
            if (parts.length > 2 || uid < 0 || gid < 0) {
                throw new NumberFormatException();
            }
            return new RuntimeSpec.User(uid, gid, base == null ? null : base.umask(), null, null);
        } catch (NumberFormatException e) {
            throw new CliException("--user '" + spec + "': give a numeric uid or uid:gid (names are not resolved)");
        }
    }

    private static List<String> plus(List<String> base, List<String> more) {
        List<String> all = new ArrayList<>(base == null ? List.of() : base);
        more.stream().filter(m -> !all.contains(m)).forEach(all::add);
        return all;
    }

    private static String jsonPath(JsonMappingException e) {
        StringBuilder path = new StringBuilder("$");
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                path.append('.').append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private void forward(int pid, int signal) {
        if (pid <= 0) {
            return;
        }
        // The API signals a container's init, not an exec'd process: kill(1) does that.
        try {
            new ProcessBuilder("kill", "-s", String.valueOf(signal), String.valueOf(pid)).start().waitFor();
        } catch (IOException | InterruptedException e) {
            cli.log().debug("signal " + Signals.name(signal) + " not forwarded to " + pid + ": " + e);
        }
    }

    private static Path absolute(Path p) {
        return p == null ? null : p.toAbsolutePath();
    }
}
