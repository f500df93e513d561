package io.berth.storage.registry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A download body that is closed when no byte has arrived for a while: the JDK's HTTP client has no read
 * timeout, so a registry that stops sending mid-body would otherwise hang the pull for ever. A read on the
 * abandoned stream fails with an {@link IOException} that says so, which the puller treats as a broken
 * connection (it resumes with {@code Range}). One reader thread at a time; the watchdog runs on a shared
 * daemon thread.
 */
final class StallGuard extends FilterInputStream {

    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "berth-registry-stall-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final long timeoutNanos;
    private final String what;
    private final ScheduledFuture<?> check;
    private volatile long lastProgress = System.nanoTime();
    private volatile boolean stalled;

    StallGuard(InputStream in, Duration timeout, String what) {
        super(in);
        this.timeoutNanos = timeout.toNanos();
        this.what = what;
        long period = Math.max(timeout.toMillis() / 4, 10);
        this.check = WATCHDOG.scheduleAtFixedRate(this::checkProgress, period, period, TimeUnit.MILLISECONDS);
    }

    private void checkProgress() {
        if (System.nanoTime() - lastProgress > timeoutNanos) {
            stalled = true;
            check.cancel(false);
            try {
                in.close();
            } catch (IOException ignored) {
                // closing to wake the reader; nothing else to do
            }
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        try {
            int n = in.read(b, off, len);
            lastProgress = System.nanoTime();
            return n;
        } catch (IOException e) {
            if (stalled) {
                throw new IOException(what + ": no data for " + Duration.ofNanos(timeoutNanos).toMillis()
                        + " ms; abandoned the connection", e);
            }
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        check.cancel(false);
        in.close();
    }
}
