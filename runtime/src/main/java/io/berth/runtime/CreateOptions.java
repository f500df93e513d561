package io.berth.runtime;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What {@code create} needs besides the bundle's config.json, mirroring {@code runc create}'s options.
 *
 * @param id            the container id: 1 to 1024 characters of {@code [A-Za-z0-9_.-]}, not starting with a dot
 * @param bundle        the bundle directory holding config.json
 * @param consoleSocket for {@code process.terminal}: an AF_UNIX socket that receives the pty master over
 *                      SCM_RIGHTS, as runc sends it; null otherwise
 * @param pidFile       where to write the init's pid (host view), or null
 * @param preserveFds   how many of the caller's fds from 3 up the container keeps (the command line's
 *                      {@code --preserve-fds}); 0 for in-process callers
 * @param noPivot       use MS_MOVE + chroot instead of pivot_root (for a rootfs on ramfs)
 * @param noNewKeyring  accepted for runc compatibility; Berth never creates a session keyring
 * @param stdio         where stdin/stdout/stderr go when there is no terminal; never null
 */
public record CreateOptions(
        String id,
        Path bundle,
        Path consoleSocket,
        Path pidFile,
        int preserveFds,
        boolean noPivot,
        boolean noNewKeyring,
        Stdio stdio) {

    public CreateOptions {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(stdio, "stdio");
        if (preserveFds < 0) {
            throw new IllegalArgumentException("preserveFds must be >= 0, got " + preserveFds);
        }
    }

    /** The common case: no console socket, no pid file, no preserved fds, pivot_root, the given stdio. */
    public static CreateOptions of(String id, Path bundle, Stdio stdio) {
        return new CreateOptions(id, bundle, null, null, 0, false, false, stdio);
    }
}
