package io.berth.ops.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.berth.agent.network.ContainerNetwork;
import io.berth.agent.network.NetworkConfig;
import io.berth.protocol.oci.image.ImageConfig;
import io.berth.runtime.bundle.BusyboxBundle;
import io.berth.scheduler.cluster.ClusterSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An agent that drains for shutdown, for real: a dev node (scheduler, API and an agent) and a second agent node,
 * both in this JVM with real containers. The leaving agent's allocations are placed on the other node and nothing
 * lands on the leaving one; started again, it is eligible again, unless an operator had turned it off. The second
 * agent reserves host ports, which its allocations are not given.
 */
class LeaveOnShutdownTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String IMAGE = "localhost/berth-test/busybox:1";
    static final long PID = ProcessHandle.current().pid();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final Duration WAIT = Duration.ofSeconds(60);

    static Path dir;
    static NetworkConfig devNetwork;
    static NetworkConfig agentNetwork;
    static DevNode dev;
    static URI api;
    static String seed;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("berth-leave-test");
        devNetwork = new NetworkConfig(dir.resolve("net"), Path.of("/usr/lib/cni"), "berth-lv" + PID,
                "blv" + (PID % 1_000_000), "10.236." + (PID % 250) + ".0/24", Duration.ofSeconds(30));
        agentNetwork = new NetworkConfig(dir.resolve("net2"), Path.of("/usr/lib/cni"), "berth-lw" + PID,
                "blw" + (PID % 1_000_000), "10.237." + (PID % 250) + ".0/24", Duration.ofSeconds(30));
        dev = DevNode.start(null, 0, ConfigFactory.empty(), new BerthNode.AgentHost(dir.resolve("dev-runtime"),
                devNetwork));
        api = dev.node().apiAddress();
        addImage(dev.node());
        seed = get("/v1/cluster/members").path("members").get(0).path("address").asText();
    }

    @AfterAll
    static void stop() throws Exception {
        if (dev != null) {
            dev.close();
        }
        ContainerNetwork.open(devNetwork).removeBridge();
        ContainerNetwork.open(agentNetwork).removeBridge();
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static void addImage(BerthNode node) throws IOException {
        Path bundle = BusyboxBundle.create(Files.createTempDirectory(dir, "busybox"),
                BusyboxBundle.defaultSpec(List.of("sh")));
        node.images().createImage(IMAGE, bundle.resolve("rootfs"), new ImageConfig.ExecConfig(null, null,
                List.of("PATH=/bin:/sbin:/usr/bin:/usr/sbin"), null, List.of("sh"), null, null, null, null));
    }

    /** The agent node "leaver", draining on shutdown, over the same data directory each time. */
    static BerthNode leaver() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        ClusterSettings settings = new ClusterSettings("leave", "127.0.0.1", port,
                EnumSet.of(ClusterSettings.Role.AGENT), List.of(seed), dir.resolve("leaver"), false);
        BerthNode node = BerthNode.start(settings, ConfigFactory.parseString("""
                berth.agent.name = leaver
                berth.agent.drain-on-shutdown = true
                berth.agent.reserved-ports = "80,20000-31990"
                """), new BerthNode.AgentHost(dir.resolve("leaver-runtime"), agentNetwork));
        addImage(node);
        return node;
    }

    static JsonNode get(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(api.resolve(path)).timeout(Duration.ofSeconds(30))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static JsonNode post(String path, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(api.resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isBetween(200, 201);
        return JSON.readTree(r.body());
    }

    static JsonNode node(String name) throws Exception {
        return get("/v1/nodes/" + name).path("node");
    }

    static void eligible(String name, boolean on) throws Exception {
        post("/v1/nodes/" + name + "/eligibility", "{\"eligible\": " + on + "}");
    }

    /** The job's allocations as "node state desired". */
    static List<JsonNode> allocations(String job) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        get("/v1/jobs/" + job + "/allocations").path("allocations").forEach(out::add);
        return out;
    }

    static long running(String job, String node) throws Exception {
        return allocations(job).stream().filter(a -> a.path("node").asText().equals(node)
                && a.path("state").asText().equals("running") && a.path("desired_status").asText().equals("run"))
                .count();
    }

    @Test
    void aDrainingAgentsWorkMovesToAnotherNodeAndTheNodeIsEligibleAgainUnlessAnOperatorTurnedItOff()
            throws Exception {
        String devName = get("/v1/nodes").path("nodes").get(0).path("name").asText();
        BerthNode leaver = leaver();
        try {
            await().atMost(WAIT).until(() -> get("/v1/nodes").path("nodes").size() == 2
                    && node("leaver").path("status").asText().equals("ready"));
            // both instances on the node that will leave: the dev node takes nothing until it leaves
            eligible(devName, false);
            post("/v1/jobs", """
                    {"id": "leaves", "type": "service",
                     "groups": [{"name": "g", "count": 2, "tasks": [{
                       "name": "t", "image": "%s", "command": ["/bin/sh", "-c"],
                       "args": ["trap 'exit 0' TERM; while true; do sleep 0.1; done"],
                       "resources": {"cpu_mhz": 100, "memory_mb": 32}, "stop_timeout": "5s",
                       "network": "host", "ports": [{"label": "http"}]}]}]}
                    """.formatted(IMAGE));
            await().atMost(WAIT).until(() -> running("leaves", "leaver") == 2);
            // the dynamic range is 20000-32000, and the node reserves all of it but its last ten ports
            assertThat(node("leaver").path("info").path("reserved_ports").asText()).isEqualTo("80,20000-31990");
            assertThat(allocations("leaves")).extracting(a -> a.path("ports").path("http").asInt())
                    .allSatisfy(p -> assertThat(p).isBetween(31991, 32000));
            eligible(devName, true);
        } finally {
            leaver.close(); // a graceful stop: the agent tells the scheduler, then stops its allocations
        }

        await().atMost(WAIT).until(() -> running("leaves", devName) == 2);
        List<JsonNode> onLeaver = allocations("leaves").stream()
                .filter(a -> a.path("node").asText().equals("leaver")).toList();
        assertThat(onLeaver).as("no placement on the leaving node: only the two it ran").hasSize(2)
                .allSatisfy(a -> {
                    assertThat(a.path("desired_status").asText()).isEqualTo("stop");
                    assertThat(a.path("state").asText()).isEqualTo("stopped");
                });
        assertThat(node("leaver").path("leaving").asBoolean()).isTrue();
        assertThat(node("leaver").path("eligible").asBoolean()).isFalse();

        // started again, it registers and is eligible again
        String before = node("leaver").path("registered_at").asText();
        leaver = leaver();
        try {
            await().atMost(WAIT).until(() -> !node("leaver").path("registered_at").asText().equals(before));
            assertThat(node("leaver").path("leaving").asBoolean()).isFalse();
            assertThat(node("leaver").path("eligible").asBoolean()).isTrue();
            eligible("leaver", false); // by hand
        } finally {
            leaver.close();
        }
        String second = node("leaver").path("registered_at").asText();
        leaver = leaver();
        try {
            await().atMost(WAIT).until(() -> !node("leaver").path("registered_at").asText().equals(second));
            assertThat(node("leaver").path("leaving").asBoolean()).isFalse();
            assertThat(node("leaver").path("eligible").asBoolean()).as("as the operator left it").isFalse();
        } finally {
            leaver.close();
        }
        HTTP.send(HttpRequest.newBuilder(api.resolve("/v1/jobs/leaves?purge=true")).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
