package io.berth.runtime;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How {@code exec} starts a process in a running container.
 *
 * @param consoleSocket for {@code process.terminal}: where the pty master is sent; null otherwise
 * @param pidFile       where to write the process's pid (host view), or null
 * @param preserveFds   how many of the caller's fds from 3 up the process keeps
 * @param stdio         where its standard streams go when it has no terminal; never null
 */
public record ExecOptions(Path consoleSocket, Path pidFile, int preserveFds, Stdio stdio) {
    public ExecOptions {
        Objects.requireNonNull(stdio, "stdio");
        if (preserveFds < 0) {
            throw new IllegalArgumentException("preserveFds must be >= 0, got " + preserveFds);
        }
    }

    public static ExecOptions of(Stdio stdio) {
        return new ExecOptions(null, null, 0, stdio);
    }
}
