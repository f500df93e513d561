package io.berth.runtime;

import io.berth.runtime.linux.Linux;
import io.berth.runtime.linux.SyscallException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that waits on a pidfd per watched process (poll), reaps children of this process and
 * completes their exit futures. What a reaper-mode init recorded in its exit file ({@link ExitFile}) wins
 * over its own wait status; a process that is not our child (created by another runtime process) and left
 * no such record completes with exit code -1 when it is gone, since only its parent can learn how it ended.
 */
final class Reaper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Reaper.class);

    private record Watch(int pid, int pidfd, Path exitFile, CompletableFuture<ExitStatus> future,
                         BooleanSupplier oomKilled) {}

    private final Linux linux = Linux.get();
    private final int wakeFd = linux.eventfd();
    private final List<Watch> watches = new ArrayList<>();
    private final Thread thread;
    private volatile boolean closed;

    Reaper() {
        thread = new Thread(this::run, "berth-reaper");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Watches pid through pidfd (which the reaper then owns and closes); the future completes once the
     * process has exited. exitFile (null: none) and oomKilled are read after the exit.
     */
    CompletableFuture<ExitStatus> watch(int pid, int pidfd, Path exitFile, BooleanSupplier oomKilled) {
        CompletableFuture<ExitStatus> f = new CompletableFuture<>();
        synchronized (watches) {
            watches.add(new Watch(pid, pidfd, exitFile, f, oomKilled));
        }
        wake();
        return f;
    }

    private void wake() {
        linux.writeAll(wakeFd, new byte[] {1, 0, 0, 0, 0, 0, 0, 0});
    }

    private void run() {
        while (!closed) {
            List<Watch> current;
            synchronized (watches) {
                current = new ArrayList<>(watches);
            }
            int[] fds = new int[current.size() + 1];
            fds[0] = wakeFd;
            for (int i = 0; i < current.size(); i++) {
                fds[i + 1] = current.get(i).pidfd;
            }
            try {
                boolean[] ready = linux.pollIn(fds, -1);
                if (ready[0]) {
                    linux.read(wakeFd, 8);
                }
                for (int i = 0; i < current.size(); i++) {
                    if (ready[i + 1]) {
                        finish(current.get(i));
                    }
                }
            } catch (RuntimeException e) {
                LOG.error("reaper: {}", e.getMessage(), e);
            }
        }
    }

    private void finish(Watch w) {
        int[] status;
        try {
            status = linux.reap(w.pidfd);
            if (status == null) {
                return;  // readable but not yet reapable: poll again
            }
        } catch (SyscallException e) {
            if (e.errno() != Linux.ECHILD) {
                throw e;
            }
            status = new int[] {-1, 0};  // not our child: it is gone; only an exit file (below) can say how it ended
        }
        synchronized (watches) {
            watches.remove(w);
        }
        linux.closeQuietly(w.pidfd);
        if (w.exitFile != null) {
            try {
                int[] recorded = ExitFile.read(w.exitFile);
                if (recorded != null) {
                    status = recorded;
                }
            } catch (RuntimeException e) {
                LOG.warn("pid {}: {}", w.pid, e.getMessage());
            }
        }
        boolean oom;
        try {
            oom = w.oomKilled.getAsBoolean();
        } catch (RuntimeException e) {
            oom = false;
        }
        w.future.complete(new ExitStatus(status[0], status[1], oom));
    }

    @Override
    public void close() {
        closed = true;
        wake();
    }
}
