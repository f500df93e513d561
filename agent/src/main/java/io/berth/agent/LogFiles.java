package io.berth.agent;

import io.berth.protocol.cluster.LogStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
 * <p>The pipes outlive the agent process: the container's init (the runtime's reaper mode) holds a read end
 * of each without reading, so while no agent reads, the container's writes block once the pipe is full instead
 * of failing with EPIPE, and a restarted agent {@link #reopenPumps reopens} them and goes on appending to the
 * same files. What a container wrote after the agent died is lost only if the container also exits before
 * the agent returns (the pipe goes with its last holder).
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
    private final List<Pump> pumps = new CopyOnWriteArrayList<>();

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
     * Creates fresh pipes and starts one pump per stream (each waits for a writer). Call before the runtime opens
     * the pipes; if no container comes to write, {@link #releasePumps} ends the pumps.
     */
    void startPumps(String containerId) throws IOException {
        Files.createDirectories(dir);
        for (LogStream s : LogStream.values()) {
            Files.deleteIfExists(pipe(s));
        }
        // one process for both pipes: spawning is most of what starting the pumps costs
        run("mkfifo", "-m", "0600", pipe(LogStream.STDOUT).toString(), pipe(LogStream.STDERR).toString());
        reopenPumps(containerId);
    }

    /**
     * Starts one pump per stream on the pipes a running container already writes to (one an earlier agent
     * process started); its output goes on into the same files.
     *
     * @throws IOException when a pipe is missing
     */
    void reopenPumps(String containerId) throws IOException {
        for (LogStream s : LogStream.values()) {
            if (!Files.exists(pipe(s))) {
                throw new IOException("the log pipe " + pipe(s) + " is gone");
            }
        }
        pumps.removeIf(Pump::ended);
        for (LogStream s : LogStream.values()) {
            Pump p = new Pump(s);
            pumps.add(p);
            Thread t = new Thread(p, "logs-" + containerId + "-" + name(s));
            t.setDaemon(true);
            t.start();
        }
    }

    /** Ends pumps whose pipe no container opened (or that no container writes to any more): they read EOF. */
    void releasePumps() {
        pumps.forEach(Pump::unblock);
    }

    /**
     * Stops the pumps now, whether or not the container still writes (the agent is going away): what stays in
     * the pipes is for the next agent process to read.
     */
    void closePumps() {
        pumps.forEach(Pump::close);
        pumps.clear();
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

    /** Copies one pipe into the stream's files until EOF (every writer gone) or {@link #close}. */
    private final class Pump implements Runnable {
        private final LogStream stream;
        /** Counted down once the pump's open of the pipe returned (or failed). */
        private final CountDownLatch opened = new CountDownLatch(1);
        private volatile FileChannel channel;
        private volatile boolean closed;
        private volatile boolean ended;

        Pump(LogStream stream) {
            this.stream = stream;
        }

        @Override
        public void run() {
            // FileChannel, not FileInputStream: a channel closed by another thread ends a blocked read
            try (FileChannel ch = FileChannel.open(pipe(stream), StandardOpenOption.READ)) {  // waits for a writer
                channel = ch;
                opened.countDown();
                if (closed) {
                    return;
                }
                ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                int n;
                while ((n = ch.read(buf.clear())) >= 0) {
                    if (n > 0) {
                        write(stream, buf.array(), n);
                    }
                }
            } catch (ClosedChannelException e) {
                // closed: the agent goes away, the container and the pipe stay
            } catch (IOException | UncheckedIOException e) {
                log.warn("log pump for {} stopped: {}", pipe(stream), e.toString());
            } finally {
                ended = true;
                opened.countDown();
            }
        }

        boolean ended() {
            return ended;
        }

        /**
         * Makes a pump blocked in its open return: opens the pipe read-write (so as a writer, which never blocks)
         * and holds it until the pump has opened, so the pump then reads EOF unless the container writes.
         */
        void unblock() {
            if (ended) {
                return;  // (and the pipe may be gone: a read-write open would create a file)
            }
            try (RandomAccessFile f = new RandomAccessFile(pipe(stream).toFile(), "rw")) {
                f.getFD();
                if (!opened.await(5, TimeUnit.SECONDS)) {
                    log.warn("log pump for {} did not open its pipe", pipe(stream));
                }
            } catch (IOException e) {
                log.debug("unblocking {}: {}", pipe(stream), e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void close() {
            closed = true;
            FileChannel ch = channel;
            if (ch == null) {
                unblock();  // it then sees closed
                return;
            }
            try {
                ch.close();
            } catch (IOException e) {
                log.debug("closing {}: {}", pipe(stream), e.toString());
            }
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
