package io.berth.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.berth.agent.network.ContainerNetwork;
import io.berth.agent.network.NetworkConfig;
import io.berth.ops.Berth;
import io.berth.ops.node.BerthNode;
import io.berth.ops.node.DevNode;
import io.berth.protocol.oci.image.ImageConfig;
import io.berth.runtime.bundle.BusyboxBundle;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One dev-mode cluster in this JVM for the command-line tests (API on a free loopback port, its own runtime state
 * and CNI network, a busybox image), started by the first test class that asks for it and shared by the others
 * — a dev node takes seconds to start — then stopped when the whole test run ends. A class gets it as a
 * parameter of its {@code @BeforeAll} method with {@code @ExtendWith(DevCluster.Resolver.class)}; each class
 * uses jobs of its own ids and leaves the node as it found it.
 */
final class DevCluster implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String IMAGE = "localhost/berth-test/busybox:1";
    private static final long PID = ProcessHandle.current().pid();

    /** One run of the command line. */
    record Result(int exit, String out, String err) {
        JsonNode json() throws IOException {
            return JSON.readTree(out);
        }
    }

    /** Resolves a {@link DevCluster} parameter with the run's one cluster. */
    static final class Resolver implements ParameterResolver {
        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == DevCluster.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            // the root context's store closes its values when the whole run ends
            return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                    .getOrComputeIfAbsent(DevCluster.class, k -> start(), DevCluster.class);
        }
    }

    final Path dir;
    final DevNode dev;
    final String address;
    private final NetworkConfig network;
    private final HttpClient http = HttpClient.newHttpClient();

    private DevCluster(Path dir, NetworkConfig network, DevNode dev) {
        this.dir = dir;
        this.network = network;
        this.dev = dev;
        this.address = dev.node().apiAddress().toString();
    }

    private static DevCluster start() {
        try {
            Path dir = Files.createTempDirectory("berth-cli-test");
            NetworkConfig network = new NetworkConfig(dir.resolve("net"), Path.of("/usr/lib/cni"), "berth-ct" + PID,
                    "bct" + (PID % 1_000_000), "10.233." + (PID % 250) + ".0/24", Duration.ofSeconds(30));
            DevNode dev = DevNode.start(null, 0, ConfigFactory.empty(),
                    new BerthNode.AgentHost(dir.resolve("runtime"), network));
            Path bundle = BusyboxBundle.create(dir.resolve("busybox"), BusyboxBundle.defaultSpec(List.of("sh")));
            dev.node().images().createImage(IMAGE, bundle.resolve("rootfs"), new ImageConfig.ExecConfig(null, null,
                    List.of("PATH=/bin:/sbin:/usr/bin:/usr/sbin"), null, List.of("sh"), null, null, null, null));
            return new DevCluster(dir, network, dev);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the dev cluster", e);
        }
    }

    /** Runs {@code berth ARGS} against this cluster (unless the arguments name an {@code --address}). */
    Result berth(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine cli = Berth.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(args));
        if (!all.contains("--address")) {
            all.add("--address");
            all.add(address);
        }
        int exit = cli.execute(all.toArray(String[]::new));
        return new Result(exit, out.toString(), err.toString());
    }

    /** {@code GET path} on the API, straight (not through the command line): what a test checks effects by. */
    JsonNode get(String path) throws IOException, InterruptedException {
        return JSON.readTree(text(path));
    }

    /** The body of {@code GET path}, which must answer 200. */
    String text(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(address + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + path + ": HTTP " + response.statusCode() + " " + response.body());
        }
        return response.body();
    }

    /**
     * A service of {@code count} busybox httpd on dynamic ports, each printing {@code greeting} and its host name
     * on stdout, HTTP-checked; {@code update} is the job's update block.
     */
    Path service(String id, int count, String greeting, String update) throws IOException {
        String spec = """
                {"id": "%s", "type": "service",
                 "groups": [{"name": "web", "count": %d, "tasks": [{
                   "name": "httpd", "image": "%s",
                   "command": ["/bin/sh", "-c"],
                   "args": ["echo %s from $(hostname); echo ok > $BERTH_TASK_DIR/index.html; exec httpd -f -p 8080 -h $BERTH_TASK_DIR"],
                   "resources": {"cpu_mhz": 100, "memory_mb": 32},
                   "network": "bridge",
                   "ports": [{"label": "http", "to": 8080}],
                   "checks": [{"type": "http", "port": "http", "path": "/", "interval": "1s", "timeout": "1s"}],
                   "stop_timeout": "2s"}]}],
                 "update": %s}
                """.formatted(id, count, IMAGE, greeting, update);
        Path file = dir.resolve(id + ".json");
        Files.writeString(file, spec);
        return file;
    }

    /** As {@link #service(String, int, String, String)}: saying hello, two at a time, healthy after a second. */
    Path service(String id, int count) throws IOException {
        return service(id, count, "hello", """
                {"max_parallel": 2, "min_healthy_time": "1s", "healthy_deadline": "1m"}""");
    }

    /**
     * Stops the node (a temporary one stops its allocations and removes its data), removes this cluster's
     * bridge and directory.
     *
     * @throws IllegalStateException when the node left its data directory or a mount under it behind
     */
    @Override
    public void close() throws IOException {
        dev.close();
        ContainerNetwork.open(network).removeBridge(); // a real node keeps its bridge; this test's goes
        List<String> left = new ArrayList<>();
        if (Files.exists(dev.dataDir())) {
            left.add("the data directory " + dev.dataDir());
        }
        Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> l.contains(dir.toString()))
                .forEach(l -> left.add("the mount " + l));
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        if (!left.isEmpty()) {
            throw new IllegalStateException("the dev node left behind: " + String.join("; ", left));
        }
    }
}
