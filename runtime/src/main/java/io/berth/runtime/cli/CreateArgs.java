package io.berth.runtime.cli;

import io.berth.runtime.CreateOptions;
import io.berth.runtime.Stdio;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** What {@code create} and {@code run} share: runc's create options and the container id. */
final class CreateArgs {
    @Parameters(index = "0", paramLabel = "<container-id>", description = "The new container's id.")
    String id;

    @Option(names = {"-b", "--bundle"}, paramLabel = "DIR",
            description = "The bundle directory, holding config.json (default: the current directory).")
    Path bundle = Path.of("");

    @Option(names = "--pid-file", paramLabel = "FILE", description = "Write the container init's pid to this file.")
    Path pidFile;

    @Option(names = "--console-socket", paramLabel = "SOCKET",
            description = "For process.terminal: an AF_UNIX socket that receives the pty master (SCM_RIGHTS).")
    Path consoleSocket;

    @Option(names = "--preserve-fds", paramLabel = "N",
            description = "Pass N more file descriptors, 3 to 3+N-1, to the container (default: 0).")
    int preserveFds;

    @Option(names = "--no-pivot", description = "Do not use pivot_root (for a rootfs on ramfs).")
    boolean noPivot;

    @Option(names = "--no-new-keyring", description = "Accepted for runc compatibility: Berth never creates a session keyring.")
    boolean noNewKeyring;

    CreateOptions toOptions(Stdio stdio) {
        if (preserveFds < 0) {
            throw new CliException("--preserve-fds must be 0 or more, was " + preserveFds);
        }
        return new CreateOptions(id, bundle.toAbsolutePath().normalize(), absolute(consoleSocket), absolute(pidFile),
                preserveFds, noPivot, noNewKeyring, stdio);
    }

    private static Path absolute(Path p) {
        return p == null ? null : p.toAbsolutePath();
    }
}
