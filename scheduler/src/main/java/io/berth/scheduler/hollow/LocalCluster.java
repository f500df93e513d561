package io.berth.scheduler.hollow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Berth cluster of separate JVMs on 127.0.0.1, for tests and benchmarks: scheduler nodes
 * ({@link SchedulerNodeMain}) and hollow-agent nodes ({@link HollowCluster}), each on its own port. The first
 * scheduler seeds itself; every later node is given every live scheduler as a seed. {@link #close} SIGKILLs
 * every JVM still running, so a test that fails halfway leaves nothing behind; use it in try-with-resources.
 *
 * <p>Thread-safe.
 */
public final class LocalCluster implements AutoCloseable {
    private static final String HOST = "127.0.0.1";

    private final Path workDir;
    private final List<String> jvmArgs;
    private final Map<ChildJvm, Integer> ports = new ConcurrentHashMap<>();
    private final List<ChildJvm> schedulers = new ArrayList<>();
    private final List<ChildJvm> all = new ArrayList<>();

    /**
     * @param workDir the schedulers' data directories and every JVM's log go under it
     * @param jvmArgs given to every JVM, before each kind's own (system properties that override config, e.g.
     *                {@code -Dpekko.cluster.split-brain-resolver.stable-after=5s})
     */
    public LocalCluster(Path workDir, List<String> jvmArgs) {
        this.workDir = workDir;
        this.jvmArgs = List.copyOf(jvmArgs);
    }

    /** A TCP port nobody listens on now on 127.0.0.1. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + HOST, e);
        }
    }

    private synchronized List<String> seeds(int ownPort) {
        List<String> seeds = new ArrayList<>();
        for (ChildJvm s : schedulers) {
            if (s.alive()) {
                seeds.add(HOST + ":" + ports.get(s));
            }
        }
        if (seeds.isEmpty()) {
            seeds.add(HOST + ":" + ownPort);
        }
        return seeds;
    }

    /**
     * Starts a scheduler node named {@code name}; it says {@code up <address>} once it is a cluster member (see
     * {@link ChildJvm#await}).
     *
     * @param heap the JVM's -Xmx, e.g. {@code 1g}
     */
    public synchronized ChildJvm startScheduler(String name, String heap) {
        int port = freePort();
        List<String> args = List.of("--name", name, "--port", String.valueOf(port),
                "--seeds", String.join(",", seeds(port)), "--data-dir", workDir.resolve(name).toString());
        ChildJvm child = ChildJvm.start(name, SchedulerNodeMain.class, jvm(heap), args, workDir.resolve("logs"));
        ports.put(child, port);
        schedulers.add(child);
        all.add(child);
        return child;
    }

    /**
     * Starts a JVM of {@code count} hollow nodes numbered from {@code first}; it says {@code up <address>} once it
     * is a member and {@code registered <n>} once every node's registration was answered.
     *
     * @param extraArgs more {@link HollowCluster} options (resources, labels, delays)
     */
    public synchronized ChildJvm startHollow(String name, int first, int count, String heap, List<String> extraArgs) {
        int port = freePort();
        List<String> args = new ArrayList<>(List.of("--port", String.valueOf(port),
                "--seeds", String.join(",", seeds(port)), "--first", String.valueOf(first),
                "--nodes", String.valueOf(count)));
        args.addAll(extraArgs);
        ChildJvm child = ChildJvm.start(name, HollowCluster.class, jvm(heap), args, workDir.resolve("logs"));
        ports.put(child, port);
        all.add(child);
        return child;
    }

    private List<String> jvm(String heap) {
        List<String> args = new ArrayList<>(jvmArgs);
        args.add("-Xmx" + heap);
        args.add("-XX:+UseParallelGC");
        return args;
    }

    /** The scheduler JVMs started so far, dead ones included, in start order. */
    public synchronized List<ChildJvm> schedulers() {
        return List.copyOf(schedulers);
    }

    /** The cluster port of a JVM this cluster started. */
    public int port(ChildJvm child) {
        return ports.get(child);
    }

    /** Every JVM started so far, dead ones included, in start order. */
    public synchronized List<ChildJvm> all() {
        return List.copyOf(all);
    }

    /** The JVM whose cluster address is {@code address} ({@code pekko://berth@127.0.0.1:port}), or null. */
    public ChildJvm byAddress(String address) {
        for (Map.Entry<ChildJvm, Integer> e : ports.entrySet()) {
            if (address.endsWith("@" + HOST + ":" + e.getValue())) {
                return e.getKey();
            }
        }
        return null;
    }

    /** Waits for {@code up} from each of {@code children}. */
    public static void awaitUp(List<ChildJvm> children, Duration timeout) {
        for (ChildJvm c : children) {
            c.await("up", timeout);
        }
    }

    /** SIGKILLs every JVM still running. */
    @Override
    public synchronized void close() {
        RuntimeException failure = null;
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                all.get(i).kill();
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
