package io.berth.agent;

import io.berth.protocol.cluster.LogStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A container's stdout and stderr, kept in rotating files: {@code stdout.log} (current), {@code stdout.log.1}
 * (older) ... up to {@code maxFiles} files of at most {@code maxBytes} each per stream, so a stream never
 * holds more than {@code maxFiles * maxBytes} bytes of disk.
 *
 * <p>The container does not write the files itself (it could then fill the disk): it writes into a named
 * pipe per stream, and a pump thread of the agent copies from the pipe into the files, rotating them. When
 * the agent falls behind, the pipe fills and the container's writes block, so nothing is ever buffered
 * without bound. A pump ends when the pipe's last writer closes (the container and everything in it exited).
 *
 * <p>Thread-safe. {@link #tail} and {@link #follow} may be called from any thread while the pumps run.
 */
public final class LogFiles {
    private static final Logger log = LoggerFactory.getLogger(LogFiles.class);

    private final Path dir;
    private final long maxBytes;
    private final int maxFiles;
    private final List<Consumer<LogChunk>> followers = new CopyOnWriteArrayList<>();
    private final Object[] locks = {new Object(), new Object()};

    /** A piece of a stream as it was written. */
    record LogChunk(LogStream stream, byte[] data) {}

    LogFiles(Path dir, long maxBytes, int maxFiles) {
        if (maxBytes < 1 || maxFiles < 1) {
            throw new IllegalArgumentException("log limits must be at least 1 byte and 1 file, got " + maxBytes
                    + " bytes and " + maxFiles + " files");
        }
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.maxFiles = maxFiles;
    }

    /** The pipe the container writes this stream into (valid after {@link #startPumps}). */
    Path pipe(LogStream s) {
        return dir.resolve(name(s) + ".pipe");
    }

    /** The current file of a stream; older ones have {@code .1}, {@code .2} ... appended. */
    Path file(LogStream s) {
        return dir.resolve(name(s) + ".log");
    }

    /**
     * Creates fresh pipes and starts one pump per stream. Call before the runtime opens the pipes (its open
     * waits for the pump's); after a failed create call {@link #releasePumps} so the pumps end.
     */
    void startPumps(String containerId) throws IOException {
        Files.createDirectories(dir);
        for (LogStream s : LogStream.values()) {
            Files.deleteIfExists(pipe(s));
        }
        // one process for both pipes: spawning is most of what starting the pumps costs
        run("mkfifo", "-m", "0600", pipe(LogStream.STDOUT).toString(), pipe(LogStream.STDERR).toString());
        for (LogStream s : LogStream.values()) {
            Thread t = new Thread(() -> pump(s), "logs-" + containerId + "-" + name(s));
            t.setDaemon(true);
            t.start();
        }
    }

    /** Ends pumps whose pipe no container opened: opens and closes the write side, so they read EOF. */
    void releasePumps() {
        for (LogStream s : LogStream.values()) {
            // read-write, because a write-only open would block when the pump already ended
            try (RandomAccessFile f = new RandomAccessFile(pipe(s).toFile(), "rw")) {
                f.getFD();
            } catch (IOException e) {
                log.debug("releasing {}: {}", pipe(s), e.toString());
            }
        }
    }

    /** Registers a consumer for everything written from now on; it runs on a pump thread and must not block. */
    void follow(Consumer<LogChunk> follower) {
        followers.add(follower);
    }

    void unfollow(Consumer<LogChunk> follower) {
        followers.remove(follower);
    }

    /** The last {@code lines} lines of a stream (fewer when it has fewer), across rotated files. */
    String tail(LogStream s, int lines) throws IOException {
        synchronized (locks[s.ordinal()]) {
            Deque<String> out = new ArrayDeque<>();
            for (int i = 0; i < maxFiles && out.size() <= lines; i++) {
                Path f = i == 0 ? file(s) : Path.of(file(s) + "." + i);
                if (!Files.exists(f)) {
                    break;
                }
                List<String> l = Files.readAllLines(f, StandardCharsets.UTF_8);
                for (int j = l.size() - 1; j >= 0 && out.size() < lines; j--) {
                    out.addFirst(l.get(j));
                }
            }
            return out.isEmpty() ? "" : String.join("\n", out) + "\n";
        }
    }

    /** Bytes the stream's files hold on disk now. */
    long diskBytes(LogStream s) throws IOException {
        long total = 0;
        for (int i = 0; i < maxFiles + 1; i++) {
            Path f = i == 0 ? file(s) : Path.of(file(s) + "." + i);
            total += Files.exists(f) ? Files.size(f) : 0;
        }
        return total;
    }

    private void pump(LogStream s) {
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = new FileInputStream(pipe(s).toFile())) {
            int n;
            while ((n = in.read(buf)) > 0) {
                write(s, buf, n);
            }
        } catch (IOException | UncheckedIOException e) {
            log.warn("log pump for {} stopped: {}", pipe(s), e.toString());
        }
    }

    private void write(LogStream s, byte[] buf, int n) throws IOException {
        synchronized (locks[s.ordinal()]) {
            Path current = file(s);
            int off = 0;
            while (off < n) {
                long size = Files.exists(current) ? Files.size(current) : 0;
                if (size >= maxBytes) {
                    rotate(s);
                    size = 0;
                }
                int len = (int) Math.min(n - off, maxBytes - size);
                try (OutputStream out = Files.newOutputStream(current, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                    out.write(buf, off, len);
                }
                off += len;
            }
        }
        if (!followers.isEmpty()) {
            LogChunk chunk = new LogChunk(s, java.util.Arrays.copyOf(buf, n));
            followers.forEach(f -> f.accept(chunk));
        }
    }

    /** stdout.log.(k) -> .(k+1) for the older files, the oldest dropped, then stdout.log -> .1. */
    private void rotate(LogStream s) throws IOException {
        Path base = file(s);
        Files.deleteIfExists(Path.of(base + "." + (maxFiles - 1)));
        for (int i = maxFiles - 2; i >= 1; i--) {
            Path from = Path.of(base + "." + i);
            if (Files.exists(from)) {
                Files.move(from, Path.of(base + "." + (i + 1)), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (maxFiles == 1) {
            Files.delete(base);
        } else {
            Files.move(base, Path.of(base + ".1"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String name(LogStream s) {
        return s == LogStream.STDOUT ? "stdout" : "stderr";
    }

    private static void run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        try {
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + cmd[0], e);
        }
    }
}
