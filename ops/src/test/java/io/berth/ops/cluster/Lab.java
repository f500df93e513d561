package io.berth.ops.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.ops.tls.CertificateAuthority;
import io.berth.protocol.oci.image.ImageConfig;
import io.berth.runtime.bundle.BusyboxBundle;
import io.berth.storage.image.ImageStore;
import io.berth.storage.image.ImageStoreOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A Berth cluster of separate processes on this machine through {@code ops/cluster/lab}: servers s1..s3 on the
 * host bridge, agents a1..aN each in a network and mount namespace of its own. The nodes run this JVM's class path.
 * {@link #close} tears everything down (processes, containers, namespaces, veths, bridge, mounts, data).
 */
final class Lab implements AutoCloseable {
    /** Built from the host's busybox into every agent's image store before it starts: no registry needed. */
    static final String IMAGE = "localhost/berth-lab/busybox:host";
    /** The datacenter of the real agents (the default). */
    static final String AGENT_DC = "dc1";
    /** The datacenter of the hollow nodes. */
    static final String HOLLOW_DC = "hollow";

    private static final Path SCRIPT = Path.of("cluster", "lab").toAbsolutePath();
    /**
     * Held while a lab runs: the bridge, the namespaces and /run/berth-lab have fixed names, so a second lab on the
     * machine (another checkout's build) waits for the first instead of tearing it down. The kernel lets go of it when
     * the holder's JVM ends, however it ends.
     */
    private static final Path LOCK = Path.of("/run/berth-lab.lock");
    private static final Duration LOCK_WAIT = Duration.ofMinutes(20);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Path dir;
    private final int agents;
    private final int hollowNodes;
    private final boolean tls;
    private final Path conf;
    private final String classPath;
    private final FileChannel lockFile;
    private final FileLock lock;

    /**
     * Settings short enough for a test and long enough that a busy 2-core machine does not down nodes by mistake.
     *
     * @param hollowNodes how many hollow nodes h1 runs; 0 for no h1
     */
    Lab(int agents, int hollowNodes) throws IOException {
        this.agents = agents;
        this.hollowNodes = hollowNodes;
        // Plain TCP unless -Dberth.lab.tls=on: with mutual TLS a cold start of every node was slow enough (a
        // handshake per pair, on 2 cores) that an agent joined after the new singleton had evaluated, so the
        // full-restart drill saw its allocation placed again elsewhere (see the closing note of this session).
        this.tls = System.getProperty("berth.lab.tls", "off").equals("on");
        this.lockFile = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        this.lock = awaitLock(lockFile);
        this.dir = Files.createTempDirectory("berth-lab-");
        this.conf = dir.resolve("lab.conf");
        Files.writeString(conf, String.join("\n",
                "pekko.cluster.split-brain-resolver.stable-after = 6s",
                // (the first seed node's longer seed-node-timeout is the lab script's: only s1 gets it)
                // heartbeats between the nodes came 3-5 s apart while every core was busy (the default 3 s pause made
                // a server that had just restarted unreachable, and the split brain resolver downed it again)
                "pekko.cluster.failure-detector.acceptable-heartbeat-pause = 6s",
                "berth.scheduler.min-heartbeat-interval = 2s",
                // a node's heartbeat TTL, 60 s: an agent restarted for an upgrade must be back within it, or its
                // allocations are placed again elsewhere; on the 2-core machine at a load of 30 a restart took 34 s. A
                // cut-off agent's nodes go down sooner, 4 s after its member became unreachable (unreachable-grace).
                "berth.scheduler.missed-heartbeats = 30",
                "berth.scheduler.unreachable-grace = 4s",
                "berth.jobs.write-timeout = 10s",
                "berth.jobs.read-timeout = 10s", ""));
        this.classPath = snapshotClassPath();
        // leftovers of an earlier run that was killed (the bridge and namespaces have fixed names); this lab's
        // directory stays
        run(Map.of("BERTH_LAB_KEEP", "1"), "down");
        for (int i = 1; i <= agents; i++) {
            seedImage("a" + i);
        }
    }

    private static FileLock awaitLock(FileChannel file) throws IOException {
        long deadline = System.nanoTime() + LOCK_WAIT.toNanos();
        boolean told = false;
        while (true) {
            FileLock l = file.tryLock();
            if (l != null && !unlockedLabRuns()) {
                return l;
            }
            if (l != null) {
                l.release();
            }
            if (System.nanoTime() > deadline) {
                file.close();
                throw new AssertionError("another lab held " + LOCK + " for " + LOCK_WAIT.toMinutes()
                        + " min (a FailureDrillsTest of another checkout?); see `ps aux | grep FailureDrillsTest`");
            }
            if (!told) {
                System.out.println("lab: another lab runs on this machine (" + LOCK + " is locked); waiting for it");
                told = true;
            }
            try {
                Thread.sleep(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                file.close();
                throw new IOException("interrupted while waiting for " + LOCK, e);
            }
        }
    }

    /**
     * Whether a lab of a checkout older than this lock runs: the supervisors of its nodes are alive. Leftovers of a
     * killed run look the same and cost the wait.
     */
    private static boolean unlockedLabRuns() {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.anyMatch(p -> {
                try {
                    // bash -c SCRIPT lab-supervisor NODE DIR ...: the supervisor ops/cluster/lab starts per node
                    String[] args = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                            .split("\0");
                    return args.length > 3 && args[0].equals("bash") && args[3].equals("lab-supervisor");
                } catch (IOException | RuntimeException e) {
                    return false;
                }
            });
        } catch (IOException e) {
            return false;
        }
    }

    Path dir() {
        return dir;
    }

    /** Whether the nodes talk TLS. */
    boolean tls() {
        return tls;
    }

    /**
     * With TLS, a CA and each node's certificate naming its address, made here rather than by {@code lab up} (which
     * would run {@code berth tls} once per node: a JVM each, half a minute on two cores).
     */
    void certificates() throws IOException {
        if (!tls) {
            return;
        }
        CertificateAuthority ca = CertificateAuthority.create(dir.resolve("tls"), "Berth lab CA", Duration.ofDays(2),
                false);
        List<String> nodes = new ArrayList<>(List.of("s1", "s2", "s3"));
        for (int i = 1; i <= agents; i++) {
            nodes.add("a" + i);
        }
        if (hollowNodes > 0) {
            nodes.add("h1");
        }
        for (String node : nodes) {
            ca.issue(node, List.of(address(node)), Duration.ofDays(1), false);
        }
    }

    void up() {
        run("up");
    }

    /** Runs {@code lab ARGS...}; fails the test with its output when it fails. */
    String run(String... args) {
        return run(Map.of(), args);
    }

    private String run(Map<String, String> extraEnv, String... args) {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("BERTH_LAB_DIR", dir.toString());
        env.put("BERTH_LAB_AGENTS", Integer.toString(agents));
        env.put("BERTH_LAB_HOLLOW", Integer.toString(hollowNodes));
        env.put("BERTH_LAB_TLS", tls ? "on" : "off");
        env.put("BERTH_LAB_CONF", conf.toString());
        env.put("BERTH_LAB_CLASSPATH", classPath);
        env.putAll(extraEnv);
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new AssertionError("lab " + String.join(" ", args) + " failed: " + out);
            }
            return out.trim();
        } catch (IOException e) {
            throw new AssertionError("cannot run " + SCRIPT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The server that hosts the scheduler singleton now (from any server that answers). */
    String singletonHost() {
        for (String s : List.of("s1", "s2", "s3")) {
            try {
                String leader = get(s, "/v1/status/leader").path("leader").asText();
                if (leader.contains("10.77.0.1")) {
                    return "s" + leader.charAt(leader.indexOf("10.77.0.1") + "10.77.0.1".length());
                }
            } catch (IOException e) {
                // the next one
            }
        }
        throw new AssertionError("no server names the singleton's host");
    }

    JsonNode get(String server, String path) throws IOException {
        return send(server, HttpRequest.newBuilder(uri(server, path)).GET());
    }

    JsonNode post(String server, String path, String body) throws IOException {
        return send(server, HttpRequest.newBuilder(uri(server, path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** Stops a job (its allocations are stopped; the job stays listed as stopped). */
    JsonNode stop(String server, String job) throws IOException {
        return send(server, HttpRequest.newBuilder(uri(server, "/v1/jobs/" + job)).DELETE());
    }

    /**
     * Registers a job, again while the server does not answer or answers 503 (no majority yet, as right after a
     * start, or the server restarting): registering the same spec again changes nothing once it took.
     */
    JsonNode register(String server, String spec) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            try {
                return post(server, "/v1/jobs", spec);
            } catch (IOException e) {
                String m = String.valueOf(e.getMessage());
                boolean answered = m.startsWith(server + " answered ");
                if ((answered && !m.contains(" 503: ")) || System.nanoTime() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException i) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private URI uri(String server, String path) {
        return URI.create("http://127.0.0.1:771" + server.substring(1) + path);
    }

    private JsonNode send(String server, HttpRequest.Builder request) throws IOException {
        try {
            HttpResponse<String> r = http.send(request.timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IOException(server + " answered " + r.statusCode() + ": " + r.body());
            }
            return JSON.readTree(r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** A service job of {@code count} instances that sleep on the real agents; {@code mark} makes them countable. */
    static String sleeper(String id, int count, long mark) {
        return sleeper(id, count, mark, false);
    }

    /** As {@link #sleeper(String, int, long)}; with {@code distinct} at most one instance per agent. */
    static String sleeper(String id, int count, long mark, boolean distinct) {
        return job(id, AGENT_DC, count, distinct, "exec sleep " + mark, "\"network\": \"none\"");
    }

    /** A one-instance sleeper for the hollow nodes (which run nothing, so any command does). */
    static String hollowSleeper(String id) {
        return job(id, HOLLOW_DC, 1, false, "exec sleep 1000", "\"network\": \"none\"");
    }

    /**
     * A web service of {@code count} instances, at most one per agent, each serving HTTP on its agent's address at
     * {@code port} (busybox httpd on the allocation's bridge network, the port published by the agent).
     */
    static String web(String id, int count, int port) {
        return job(id, AGENT_DC, count, true, "echo up > $BERTH_TASK_DIR/index.html && exec httpd -f -p "
                + WEB_CONTAINER_PORT + " -h $BERTH_TASK_DIR", "\"network\": \"bridge\", \"ports\": [{\"label\": "
                + "\"http\", \"static\": " + port + ", \"to\": " + WEB_CONTAINER_PORT + "}]");
    }

    /**
     * The port the web service's httpd listens on in its container: one no other test's httpd uses, so the
     * drills count the lab's httpd processes ({@code httpd -f -p 8780}) and not, say, the demo's.
     */
    static final int WEB_CONTAINER_PORT = 8780;

    private static String job(String id, String datacenter, int count, boolean distinct, String script,
                              String network) {
        return """
                {"id": "%s", "type": "service", "datacenters": ["%s"], "constraints": [%s],
                 "groups": [{"name": "g", "count": %d, "tasks": [{"name": "t",
                  "image": "%s", "command": ["/bin/sh", "-c"], "args": ["%s"],
                  "resources": {"cpu_mhz": 10, "memory_mb": 8}, %s, "stop_timeout": "2s"}]}]}
                """.formatted(id, datacenter, distinct ? "{\"operator\": \"distinct_hosts\"}" : "", count, IMAGE,
                script, network);
    }

    /** The address node {@code name} (s1.., a1.., h1) has on the bridge, as {@code ops/cluster/lab} gives it. */
    static String address(String name) {
        int n = Integer.parseInt(name.substring(1));
        return "10.77.0." + switch (name.charAt(0)) {
            case 's' -> 10 + n;
            case 'a' -> 20 + n;
            case 'h' -> 30 + n;
            default -> throw new IllegalArgumentException("no lab node " + name);
        };
    }

    /** The pids of the processes whose command line (NUL-separated, as in /proc) starts with {@code prefix}. */
    static java.util.Set<Long> pids(String prefix) {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> {
                        try {
                            return new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                                    .startsWith(prefix);
                        } catch (IOException e) {
                            return false;
                        }
                    }).map(p -> Long.parseLong(p.getFileName().toString()))
                    .collect(java.util.stream.Collectors.toSet());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The instances that really run, whatever the scheduler believes: processes on this machine whose command line
     * is {@code sleep MARK}.
     */
    static int running(long mark) {
        return pids("sleep\0" + mark + "\0").size();
    }

    /**
     * This JVM's class path with Berth's own classes and jars copied into the lab: other builds in the same tree
     * rewrite target/classes and the local repository's Berth jars while the nodes start and restart.
     */
    private String snapshotClassPath() throws IOException {
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            boolean own = p.toAbsolutePath().toString().contains("/io/berth/") || p.endsWith(Path.of("target", "classes"));
            if (!own || p.endsWith(Path.of("target", "test-classes")) || !Files.exists(p)) {
                entries.add(entry);
                continue;
            }
            Path copy = dir.resolve("classpath").resolve(i++ + "-" + p.getFileName());
            Files.createDirectories(copy.getParent());
            if (Files.isDirectory(p)) {
                try (Stream<Path> files = Files.walk(p)) {
                    for (Path f : files.toList()) {
                        Path target = copy.resolve(p.relativize(f).toString());
                        if (Files.isDirectory(f)) {
                            Files.createDirectories(target);
                        } else {
                            Files.copy(f, target);
                        }
                    }
                }
            } else {
                Files.copy(p, copy);
            }
            entries.add(copy.toString());
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private void seedImage(String agent) throws IOException {
        Path work = Files.createTempDirectory(dir, "image-");
        try (ImageStore store = ImageStore.open(dir.resolve(agent).resolve("data").resolve("images"),
                ImageStoreOptions.defaults())) {
            Path bundle = BusyboxBundle.create(work, BusyboxBundle.defaultSpec(List.of("sh")));
            store.createImage(IMAGE, bundle.resolve("rootfs"), new ImageConfig.ExecConfig(null, null,
                    List.of("PATH=/bin:/sbin:/usr/bin:/usr/sbin"), null, List.of("sh"), null, null, null, null));
        } finally {
            deleteTree(work);
        }
    }

    /** Tears the cluster down; the nodes' logs stay under target/lab/ for a look after a failure. */
    @Override
    public void close() {
        try {
            Path logs = Files.createDirectories(Path.of("target", "lab", dir.getFileName().toString()));
            try (Stream<Path> nodes = Files.list(dir)) {
                for (Path node : nodes.filter(n -> Files.isRegularFile(n.resolve("log"))).toList()) {
                    Files.copy(node.resolve("log"), logs.resolve(node.getFileName() + ".log"));
                }
            }
        } catch (IOException e) {
            System.err.println("lab: cannot keep the logs: " + e);
        }
        try {
            run("down");
        } finally {
            try {
                lock.release();
                lockFile.close();
            } catch (IOException e) {
                System.err.println("lab: cannot release " + LOCK + ": " + e);
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
