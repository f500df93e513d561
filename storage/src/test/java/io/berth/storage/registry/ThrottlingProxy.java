package io.berth.storage.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy in front of a real registry, so a test can catch a pull in the middle of a blob: it slows the
 * registry's answers to {@code bytesPerSecond} (0: no limit), or, shut, lets each connection's answers through
 * only up to a budget and holds the rest as a stalled link would. It keeps what clients sent (to see the
 * {@code Range} of a resumed pull) and counts the bytes of answers it delivered. Shared with other modules'
 * tests through storage's test jar.
 */
public final class ThrottlingProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int targetPort;
    private final Object gate = new Object();
    private volatile long bytesPerSecond;
    private volatile long budget = Long.MAX_VALUE;
    private final AtomicLong delivered = new AtomicLong();
    private final StringBuffer requests = new StringBuffer();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    public ThrottlingProxy(int targetPort, long bytesPerSecond) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.targetPort = targetPort;
        this.bytesPerSecond = bytesPerSecond;
        Thread acceptor = new Thread(this::acceptLoop, "throttling-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public String hostPort() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** Lifts the rate limit and opens the gate. */
    public void unthrottle() {
        bytesPerSecond = 0;
        synchronized (gate) {
            budget = Long.MAX_VALUE;
            gate.notifyAll();
        }
    }

    /** Shuts the gate: from now on each connection gets at most {@code bytes} of answers until {@link #unthrottle}. */
    public void shut(long bytes) {
        budget = bytes;
    }

    /** Everything clients sent so far (request lines and headers; bodies of pulls are empty). */
    public String requests() {
        return requests.toString();
    }

    /** Bytes of answers delivered to clients so far. */
    public long delivered() {
        return delivered.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream, false);
                pump(upstream, client, true);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to, boolean answers) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            long start = System.nanoTime();
            long sent = 0;
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    if (!answers) {
                        requests.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                    }
                    synchronized (gate) {
                        while (answers && sent + n > budget && !to.isClosed()) {
                            gate.wait(100);
                        }
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                    sent += n;
                    if (answers) {
                        delivered.addAndGet(n);
                    }
                    long rate = bytesPerSecond;
                    if (answers && rate > 0) {
                        long due = start + sent * 1_000_000_000L / rate;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                    }
                }
            } catch (IOException | InterruptedException e) {
                // a side hung up: close both
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "throttling-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }
}
