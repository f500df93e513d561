package io.berth.runtime.cgroup;

import io.berth.runtime.linux.Linux;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Reading and writing cgroup files, with errors that name the file, the value and the config.json field. */
final class CgroupFiles {
    private CgroupFiles() {}

    /**
     * Writes one value in one write(2), as cgroup files require.
     *
     * @param field the config.json field the value comes from, for the message; null for internal writes
     */
    static void write(Path file, String value, String field) {
        try {
            Files.write(file, value.getBytes(StandardCharsets.UTF_8), StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw writeFailure(file, value, field, e);
        }
    }

    private static CgroupException writeFailure(Path file, String value, String field, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new CgroupException(prefix(field) + "cannot write \"" + value + "\" to " + file
                    + ": the file does not exist, so this kernel or hierarchy does not offer that setting", file,
                    value, e);
        }
        return new CgroupException(prefix(field) + "cannot write \"" + value + "\" to " + file + ": "
                + reason(e) + hint(reason(e)), file, value, e);
    }

    /**
     * A cgroup file kept open for several values, each still one write(2) as {@link #write} does: a list of
     * device rules then costs one open and close instead of one per rule. Opened by the first write; not
     * thread-safe.
     */
    static final class Writer implements AutoCloseable {
        private final Path file;
        private FileChannel channel;

        Writer(Path file) {
            this.file = file;
        }

        /** Writes {@code value}; failures are those of {@link #write}. */
        void write(String value, String field) {
            try {
                if (channel == null) {
                    channel = FileChannel.open(file, StandardOpenOption.WRITE);
                }
                channel.write(ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw writeFailure(file, value, field, e);
            }
        }

        @Override
        public void close() {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException e) {
                    // nothing is buffered: every value was written (or failed) at once
                }
            }
        }
    }

    /** What a refused write usually means, so the message says what to change. */
    private static String hint(String reason) {
        return switch (reason) {
            case "Invalid argument" -> " (the kernel refused the value: out of range for this file, or in conflict"
                    + " with a related limit or with the parent cgroup's)";
            case "Device or resource busy" -> " (the cgroup's current use or its child cgroups conflict with the"
                    + " value; give a larger one or empty the cgroup first)";
            case "Permission denied", "Operation not permitted" -> " (the runtime needs root, or write access"
                    + " delegated to this cgroup)";
            default -> "";
        };
    }

    /** The file's content without the trailing newline. */
    static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new CgroupException("cannot read " + file + ": " + reason(e), file, null, e);
        }
    }

    /** A number, with "max" (and v1's page-rounded LONG_MAX) as -1 for unlimited. */
    static long readLimit(Path file) {
        String s = read(file);
        if (s.equals("max")) {
            return -1;
        }
        long v = parse(file, s);
        return v >= Long.MAX_VALUE - 4096 * 1024 ? -1 : v;
    }

    static long readLong(Path file) {
        return parse(file, read(file));
    }

    /** {@code key value} lines such as memory.stat, cpu.stat or memory.events; non-numeric lines skipped. */
    static Map<String, Long> readKeyed(Path file) {
        Map<String, Long> out = new HashMap<>();
        for (String line : read(file).split("\n")) {
            String[] kv = line.trim().split("\\s+");
            if (kv.length == 2 && kv[1].matches("-?\\d+")) {
                out.put(kv[0], Long.parseLong(kv[1]));
            }
        }
        return out;
    }

    /** The pids in cgroup.procs of {@code dir} and every cgroup below it; empty when {@code dir} is gone. */
    static Set<Integer> procsRecursive(Path dir) {
        Set<Integer> pids = new TreeSet<>();
        for (Path d : treeTopDown(dir)) {
            String procs;
            try {
                procs = Files.readString(d.resolve("cgroup.procs"));
            } catch (NoSuchFileException e) {
                continue;
            } catch (IOException e) {
                throw new CgroupException("cannot read " + d.resolve("cgroup.procs") + ": " + reason(e),
                        d.resolve("cgroup.procs"), null, e);
            }
            for (String line : procs.split("\n")) {
                if (!line.isBlank()) {
                    pids.add(Integer.parseInt(line.trim()));
                }
            }
        }
        return pids;
    }

    /**
     * {@code dir} and every cgroup directory below it, parents before children; empty when it is gone. The
     * cgroup filesystems keep a directory's link count at 2 plus its subdirectories, so a leaf costs one stat
     * instead of a listing that stats each of its dozens of files.
     */
    static List<Path> treeTopDown(Path dir) {
        List<Path> out = new ArrayList<>();
        int subdirectories = subdirectories(dir);
        if (subdirectories < 0) {
            return out;
        }
        out.add(dir);
        for (int i = 0; i < out.size(); i++) {
            Path d = out.get(i);
            if ((i == 0 ? subdirectories : subdirectories(d)) <= 0) {
                continue;
            }
            try (DirectoryStream<Path> children = Files.newDirectoryStream(d, Files::isDirectory)) {
                children.forEach(out::add);
            } catch (NoSuchFileException e) {
                // removed while we walked: nothing below it any more
            } catch (IOException e) {
                throw new CgroupException("cannot list " + d + ": " + reason(e), d, null, e);
            }
        }
        return out;
    }

    /** How many directories {@code dir} holds, from its link count; -1 when it does not exist. */
    private static int subdirectories(Path dir) {
        try {
            return (Integer) Files.getAttribute(dir, "unix:nlink", LinkOption.NOFOLLOW_LINKS) - 2;
        } catch (NoSuchFileException e) {
            return -1;
        } catch (IOException e) {
            throw new CgroupException("cannot stat " + dir + ": " + reason(e), dir, null, e);
        }
    }

    /**
     * Removes {@code dir} and every cgroup below it, children first. A cgroup whose last task has just exited
     * can stay busy for a moment, so EBUSY is retried for a while.
     */
    static void removeTree(Path dir) {
        List<Path> tree = treeTopDown(dir);
        for (int i = tree.size() - 1; i >= 0; i--) {
            rmdir(tree.get(i));
        }
    }

    /**
     * Removes {@code dir} and every cgroup below it, children first, if none holds a process: one rmdir(2) per
     * directory and no waiting. False, with what could be removed removed, when one is busy.
     */
    static boolean removeTreeIfEmpty(Path dir) {
        int removed = Linux.get().rmdir(dir);  // usually no cgroup below, and no process in it: one system call
        if (removed == 0 || removed == Linux.ENOENT) {
            return true;
        }
        List<Path> tree = treeTopDown(dir);
        for (int i = tree.size() - 1; i >= 0; i--) {
            try {
                Files.deleteIfExists(tree.get(i));
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    /**
     * Undoes a failed create: removes the directories it made, deepest (last made) first, and returns
     * {@code failure} with every removal that failed added as suppressed, for the caller to throw.
     */
    static RuntimeException removeCreated(List<Path> created, RuntimeException failure) {
        for (int i = created.size() - 1; i >= 0; i--) {
            try {
                rmdir(created.get(i));
            } catch (RuntimeException cleanup) {
                failure.addSuppressed(cleanup);
            }
        }
        return failure;
    }

    /** rmdir(2) of one cgroup; a missing directory is fine. */
    static void rmdir(Path dir) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        for (int delayMs = 1; ; delayMs = Math.min(delayMs * 2, 100)) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new CgroupException("cannot remove cgroup " + dir + ": " + reason(e)
                            + "; processes may still be in it (see its cgroup.procs)", dir, null, e);
                }
            }
            sleep(delayMs);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CgroupException("interrupted while waiting for a cgroup", null, null, e);
        }
    }

    private static long parse(Path file, String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new CgroupException(file + " holds \"" + s + "\", not a number", file, null, e);
        }
    }

    private static String prefix(String field) {
        return field == null ? "" : "cannot apply " + field + ": ";
    }

    private static String reason(IOException e) {
        return e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
    }
}
