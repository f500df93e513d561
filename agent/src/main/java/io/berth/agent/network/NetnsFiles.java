package io.berth.agent.network;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Persistent network namespaces held open by a bind mount of the namespace file onto a plain file, as
 * {@code ip netns add} does, but under a directory of our own. Created with util-linux's
 * {@code unshare --net=FILE ip link set lo up}, which brings the loopback interface up in the same process (as
 * runc and crun do in a new network namespace; one process fewer than the CNI loopback plugin): the runtime's
 * libc wrapper exposes neither mount(2) nor a public unshare(2), and a second jnr-ffi binding of libc outside
 * the runtime module is what the conventions rule out. Removed with {@code umount} and an unlink. Thread-safe for distinct paths.
 */
final class NetnsFiles {
    private NetnsFiles() {}

    /** Creates a network namespace pinned at path, with only its loopback interface, up. */
    static void create(Path path) {
        try {
            Files.createDirectories(path.getParent());
            Files.deleteIfExists(path);
            Files.createFile(path);
        } catch (IOException e) {
            throw new NetworkException("cannot create network namespace file " + path + ": " + e.getMessage(), e);
        }
        try {
            run("unshare", "--net=" + path, "ip", "link", "set", "lo", "up");
        } catch (NetworkException e) {
            deleteQuietly(path);
            throw e;
        }
    }

    /** Unmounts and unlinks path; nothing happens when it is absent. */
    static void remove(Path path) {
        if (isMountPoint(path)) {
            run("umount", path.toString());
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new NetworkException("cannot remove network namespace file " + path + ": " + e.getMessage(), e);
        }
    }

    /** Whether path is a mount point in this process's mount namespace (i.e. it pins a namespace). */
    static boolean isMountPoint(Path path) {
        String target = path.toAbsolutePath().normalize().toString();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
                String[] f = line.split(" ");
                if (f.length > 4 && unescape(f[4]).equals(target)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw new NetworkException("cannot read /proc/self/mountinfo: " + e.getMessage(), e);
        }
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    private static String unescape(String s) {
        return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }

    /** Runs a host tool, throwing a NetworkException with its output when it fails. */
    static void run(String... command) {
        try {
            Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new NetworkException(String.join(" ", command) + ": no answer within 30 s");
            }
            if (p.exitValue() != 0) {
                throw new NetworkException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + out);
            }
        } catch (IOException e) {
            throw new NetworkException("cannot run " + command[0] + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetworkException(String.join(" ", command) + ": interrupted", e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the caller reports the original failure
        }
    }
}
