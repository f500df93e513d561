package io.berth.ops.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.protocol.oci.image.ImageConfig;
import io.berth.runtime.bundle.BusyboxBundle;
import io.berth.storage.image.ImageStore;
import io.berth.storage.image.ImageStoreOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

    private static final Path SCRIPT = Path.of("cluster", "lab").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Path dir;
    private final int agents;
    private final Path conf;
    private final String classPath;

    /** Settings short enough for a test and long enough that a busy 2-core machine does not down nodes by mistake. */
    Lab(int agents) throws IOException {
        this.agents = agents;
        this.dir = Files.createTempDirectory("berth-lab-");
        this.conf = dir.resolve("lab.conf");
        Files.writeString(conf, String.join("\n",
                "pekko.cluster.split-brain-resolver.stable-after = 6s",
                "berth.scheduler.min-heartbeat-interval = 2s",
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

    Path dir() {
        return dir;
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

    /** Registers a job, again while the servers answer 503 (no majority yet, as right after a start). */
    JsonNode register(String server, String spec) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                return post(server, "/v1/jobs", spec);
            } catch (IOException e) {
                if (!e.getMessage().contains(" 503: ") || System.nanoTime() > deadline) {
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

    /** A service job of {@code count} instances that sleep; {@code mark} makes its processes countable. */
    static String sleeper(String id, int count, long mark) {
        return sleeper(id, count, mark, false);
    }

    /** As {@link #sleeper(String, int, long)}; with {@code distinct} at most one instance per agent. */
    static String sleeper(String id, int count, long mark, boolean distinct) {
        return """
                {"id": "%s", "type": "service", "constraints": [%s],
                 "groups": [{"name": "g", "count": %d, "tasks": [{"name": "t",
                  "image": "%s", "command": ["/bin/sh", "-c"], "args": ["exec sleep %d"],
                  "resources": {"cpu_mhz": 10, "memory_mb": 8}, "network": "none", "stop_timeout": "2s"}]}]}
                """.formatted(id, distinct ? "{\"operator\": \"distinct_hosts\"}" : "", count, IMAGE, mark);
    }

    /** The pids of the processes whose command line is {@code sleep MARK...} for any mark starting with 7701. */
    static java.util.Set<Long> sleeperPids() {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> {
                        try {
                            return new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                                    .startsWith("sleep\0" + "7701");
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
        String wanted = "sleep\0" + mark + "\0";
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return (int) procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> {
                        try {
                            return new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                                    .equals(wanted);
                        } catch (IOException e) {
                            return false; // gone meanwhile
                        }
                    }).count();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
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
        run("down");
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
