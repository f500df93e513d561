package io.berth.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import picocli.CommandLine;

/**
 * The {@code berth} command line against a dev-mode cluster started in this JVM (API on a free loopback port,
 * its own runtime state and CNI network): a job run and followed until healthy, read back as tables and as
 * JSON, its allocations and their logs, the node, a stop; and what a user gets wrong.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CommandLineTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String IMAGE = "localhost/berth-test/busybox:1";
    static final long PID = ProcessHandle.current().pid();

    static Path dir;
    static NetworkConfig network;
    static DevNode dev;
    static String address;

    /** One run of the command line. */
    record Result(int exit, String out, String err) {
        JsonNode json() throws Exception {
            return JSON.readTree(out);
        }
    }

    static Result berth(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Berth.commandLine();
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

    @BeforeAll
    static void startDevCluster() throws Exception {
        dir = Files.createTempDirectory("berth-cli-test");
        network = new NetworkConfig(dir.resolve("net"), Path.of("/usr/lib/cni"), "berth-ct" + PID,
                "bct" + (PID % 1_000_000), "10.233." + (PID % 250) + ".0/24", Duration.ofSeconds(30));
        dev = DevNode.start(null, 0, ConfigFactory.empty(), new BerthNode.AgentHost(dir.resolve("runtime"), network));
        address = dev.node().apiAddress().toString();
        Path bundle = BusyboxBundle.create(dir.resolve("busybox"), BusyboxBundle.defaultSpec(List.of("sh")));
        dev.node().images().createImage(IMAGE, bundle.resolve("rootfs"), new ImageConfig.ExecConfig(null, null,
                List.of("PATH=/bin:/sbin:/usr/bin:/usr/sbin"), null, List.of("sh"), null, null, null, null));
    }

    @AfterAll
    static void stopDevCluster() throws Exception {
        if (dev != null) {
            dev.close(); // a temporary dev node stops its allocations and removes its data
            assertThat(dev.dataDir()).doesNotExist();
            assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo"))).noneMatch(l -> l.contains(dir.toString()));
            ContainerNetwork.open(network).removeBridge(); // a real node keeps its bridge; this test's goes
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** A service of {@code count} busybox httpd on dynamic ports, each saying hello on stdout, HTTP-checked. */
    static Path service(String id, int count) throws Exception {
        String spec = """
                {"id": "%s", "type": "service",
                 "groups": [{"name": "web", "count": %d, "tasks": [{
                   "name": "httpd", "image": "%s",
                   "command": ["/bin/sh", "-c"],
                   "args": ["echo hello from $(hostname); echo ok > $BERTH_TASK_DIR/index.html; exec httpd -f -p 8080 -h $BERTH_TASK_DIR"],
                   "resources": {"cpu_mhz": 100, "memory_mb": 32},
                   "network": "bridge",
                   "ports": [{"label": "http", "to": 8080}],
                   "checks": [{"type": "http", "port": "http", "path": "/", "interval": "1s", "timeout": "1s"}],
                   "stop_timeout": "2s"}]}],
                 "update": {"max_parallel": 2, "min_healthy_time": "1s", "healthy_deadline": "1m"}}
                """.formatted(id, count, IMAGE);
        Path file = dir.resolve(id + ".json");
        Files.writeString(file, spec);
        return file;
    }

    @Test
    @Order(1)
    void jobRunFollowsTheDeploymentUntilHealthy() throws Exception {
        Result run = berth("job", "run", service("hello", 2).toString(), "--timeout", "2m");
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("job hello: registered version").contains("deployment successful")
                .contains("2/2 healthy");
    }

    @Test
    @Order(2)
    void jobStatusAndListShowTheJobAsTablesAndJson() throws Exception {
        Result status = berth("job", "status", "hello");
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.out()).contains("ID").contains("hello").contains("Allocations").contains("running");

        Result json = berth("job", "status", "hello", "--json");
        assertThat(json.exit()).isZero();
        assertThat(json.json().path("id").asText()).isEqualTo("hello");
        assertThat(json.json().path("allocations")).hasSize(2);

        Result history = berth("job", "history", "hello");
        assertThat(history.out().lines()).hasSize(2).first().asString().startsWith("VERSION");

        Result plan = berth("job", "plan", dir.resolve("hello.json").toString());
        assertThat(plan.exit()).as(plan.err()).isZero();
        assertThat(plan.out()).contains("job hello: unchanged");

        Result ls = berth("job", "ls");
        assertThat(ls.out().lines().findFirst().orElseThrow()).startsWith("ID").contains("STATUS");
        assertThat(ls.out()).contains("hello");
        JsonNode jobs = berth("job", "ls", "--json").json();
        assertThat(jobs).anySatisfy(j -> assertThat(j.path("id").asText()).isEqualTo("hello"));
    }

    @Test
    @Order(3)
    void allocationsAreListedAndTheirLogsRead() throws Exception {
        Result ls = berth("alloc", "ls", "--job", "hello");
        assertThat(ls.exit()).as(ls.err()).isZero();
        assertThat(ls.out().lines()).hasSize(3); // the header and two allocations
        JsonNode allocs = berth("alloc", "ls", "--job", "hello", "--json").json();
        String id = Allocations.items(allocs).get(0).path("id").asText();
        String shortId = Output.shortId(id);
        assertThat(ls.out()).contains(shortId);

        Result status = berth("alloc", "status", shortId);
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.out()).contains(id).contains("running");

        Result logs = berth("alloc", "logs", shortId);
        assertThat(logs.exit()).as(logs.err()).isZero();
        assertThat(logs.out()).contains("hello from");
    }

    @Test
    @Order(4)
    void theDevNodeIsListed() throws Exception {
        Result ls = berth("node", "ls");
        assertThat(ls.exit()).as(ls.err()).isZero();
        assertThat(ls.out()).contains("dev").contains("ready");
        JsonNode nodes = berth("node", "ls", "--json").json();
        assertThat(nodes.toString()).contains("\"dev\"");
        assertThat(berth("node", "status", "dev").out()).contains("Allocations");
    }

    @Test
    @Order(5)
    void stopStopsTheAllocations() throws Exception {
        Result stop = berth("job", "stop", "hello");
        assertThat(stop.exit()).as(stop.err()).isZero();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            for (JsonNode a : Allocations.items(berth("alloc", "ls", "--job", "hello", "--json").json())) {
                assertThat(a.path("state").asText()).isEqualTo("stopped");
            }
        });
    }

    @Test
    @Order(6)
    void aDeploymentThatFailsEndsWithExitCode1AndSaysWhy() throws Exception {
        Path file = dir.resolve("broken.json");
        Files.writeString(file, """
                {"id": "broken", "type": "service",
                 "groups": [{"name": "g", "count": 1, "tasks": [{
                   "name": "t", "image": "%s", "command": ["/bin/sh", "-c", "echo failing; exit 3"],
                   "resources": {"cpu_mhz": 100, "memory_mb": 16}, "network": "none",
                   "restart": {"attempts": 0, "mode": "fail"}}],
                   "reschedule": {"attempts": 0}}],
                 "update": {"min_healthy_time": "1s", "healthy_deadline": "30s"}}
                """.formatted(IMAGE));
        Result run = berth("job", "run", file.toString(), "--json", "--timeout", "2m");
        assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(ExitCodes.FAILED);
        JsonNode outcome = run.json();
        assertThat(outcome.path("healthy").asBoolean()).isFalse();
        assertThat(outcome.path("deployment").path("status").asText()).isEqualTo("failed");
        String alloc = Allocations.items(outcome.path("allocations")).get(0).path("id").asText();
        assertThat(berth("alloc", "logs", alloc).out()).contains("failing");
        assertThat(berth("job", "stop", "broken", "--purge").exit()).isZero();
    }

    @Test
    void aMissingFileIsNotFound() {
        Result run = berth("job", "run", dir.resolve("nope.json").toString());
        assertThat(run.exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(run.err()).contains("nope.json: no such file");
    }

    @Test
    void anInvalidSpecIsRefusedWithItsFieldPaths() throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, """
                {"id": "bad", "groups": [{"name": "g", "count": -1, "tasks": [{"name": "t", "image": "%s",
                  "resources": {"memory_mb": 32}, "colour": "blue"}]}]}
                """.formatted(IMAGE));
        Result run = berth("job", "run", bad.toString());
        assertThat(run.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("groups[0].count").contains("groups[0].tasks[0].colour");
        assertThat(berth("job", "ls", "--json").out()).doesNotContain("\"bad\"");
    }

    @Test
    void anUnknownJobIsNotFound() {
        Result status = berth("job", "status", "no-such-job");
        assertThat(status.exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(status.err()).startsWith("berth job status: ");
    }

    @Test
    void aClusterThatIsNotThereIsUnreachable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Result ls = berth("job", "ls", "--address", "http://127.0.0.1:" + port);
        assertThat(ls.exit()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(ls.err()).contains("connection refused").contains("BERTH_ADDR");
    }

    @Test
    void aBadOptionIsAUsageError() {
        assertThat(berth("job", "run").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(berth("job", "run", "x.json", "--timeout", "soon").exit()).isEqualTo(ExitCodes.USAGE);
    }
}
