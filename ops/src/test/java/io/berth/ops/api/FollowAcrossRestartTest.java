package io.berth.ops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.berth.agent.network.NetworkConfig;
import io.berth.ops.node.BerthNode;
import io.berth.ops.node.DevNode;
import io.berth.protocol.oci.image.ImageConfig;
import io.berth.runtime.bundle.BusyboxBundle;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP API's streams against a dev-mode cluster with a real agent and container: a log follow and an event
 * stream opened before a restart of the container keep going after it, showing what the new container writes and
 * the allocation's way through EXITED, STARTING and RUNNING again.
 */
class FollowAcrossRestartTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String IMAGE = "localhost/berth-test/busybox:1";
    static final long PID = ProcessHandle.current().pid();

    static Path dir;
    static DevNode dev;
    static URI api;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void startDevCluster() throws Exception {
        dir = Files.createTempDirectory("berth-follow-test");
        NetworkConfig network = new NetworkConfig(dir.resolve("net"), Path.of("/usr/lib/cni"), "berth-ft" + PID,
                "bft" + (PID % 1_000_000), "10.234." + (PID % 250) + ".0/24", Duration.ofSeconds(30));
        dev = DevNode.start(null, 0, ConfigFactory.empty(), new BerthNode.AgentHost(dir.resolve("runtime"), network));
        api = dev.node().apiAddress();
        Path bundle = BusyboxBundle.create(dir.resolve("busybox"), BusyboxBundle.defaultSpec(List.of("sh")));
        dev.node().images().createImage(IMAGE, bundle.resolve("rootfs"), new ImageConfig.ExecConfig(null, null,
                List.of("PATH=/bin:/sbin:/usr/bin:/usr/sbin"), null, List.of("sh"), null, null, null, null));
    }

    @AfterAll
    static void stopDevCluster() throws Exception {
        if (dev != null) {
            dev.close();
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Reads a streamed response line by line into a queue, on its own thread, until the stream ends. */
    private static BlockingQueue<String> stream(String path) throws Exception {
        HttpResponse<java.io.InputStream> response = HTTP.send(HttpRequest.newBuilder(api.resolve(path)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("[stream ended: " + e + "]"); // the server goes away when the test ends
            }
        }, "stream " + path);
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    /** Takes lines until one matches, failing after {@code timeout}. */
    private static String until(BlockingQueue<String> lines, Predicate<String> wanted, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null && wanted.test(line)) {
                return line;
            }
        }
        throw new AssertionError("no matching line within " + timeout);
    }

    @Test
    void aLogFollowAndTheEventStreamGoOnAcrossARestartOfTheContainer() throws Exception {
        String spec = """
                {"id": "counter", "type": "service",
                 "groups": [{"name": "count", "count": 1, "tasks": [{
                   "name": "counter", "image": "%s",
                   "command": ["/bin/sh", "-c"],
                   "args": ["echo started; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done"],
                   "resources": {"cpu_mhz": 100, "memory_mb": 32},
                   "network": "none",
                   "stop_timeout": "1s"}]}]}
                """.formatted(IMAGE);
        HttpResponse<String> registered = send(HttpRequest.newBuilder(api.resolve("/v1/jobs"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(spec)));
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        String[] id = new String[1];
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            JsonNode allocations = JSON.readTree(send(HttpRequest.newBuilder(api.resolve("/v1/jobs/counter/allocations")))
                    .body()).path("allocations");
            for (JsonNode a : allocations) {
                if (a.path("state").asText().equals("running")) {
                    id[0] = a.path("id").asText();
                    return true;
                }
            }
            return false;
        });
        long index = Long.parseLong(send(HttpRequest.newBuilder(api.resolve("/v1/jobs"))).headers()
                .firstValue("X-Berth-Index").orElseThrow());

        BlockingQueue<String> logs = stream("/v1/allocations/" + id[0] + "/logs?follow=true&tail=1");
        BlockingQueue<String> events = stream("/v1/events?topic=Allocation:" + id[0] + "&index=" + index);
        until(logs, line -> line.startsWith("tick "), Duration.ofSeconds(10));

        HttpResponse<String> restart = send(HttpRequest.newBuilder(api.resolve("/v1/allocations/" + id[0] + "/restart"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(restart.statusCode()).as(restart.body()).isEqualTo(200);

        // the new container starts counting from 0 again, on the same follow
        until(logs, line -> line.equals("started"), Duration.ofSeconds(30));
        until(logs, line -> line.equals("tick 0"), Duration.ofSeconds(10));
        until(logs, line -> line.equals("tick 2"), Duration.ofSeconds(10));

        // and the event stream saw the task end (start steps are not events), and the allocation runs again
        String exited = until(events, line -> line.contains("\"state\":\"exited\""), Duration.ofSeconds(30));
        assertThat(JSON.readTree(exited).path("index").asLong()).isGreaterThan(index);
        await().atMost(Duration.ofSeconds(30)).until(() -> JSON.readTree(send(HttpRequest.newBuilder(
                api.resolve("/v1/allocations/" + id[0]))).body()).path("state").asText().equals("running"));
        until(events, line -> line.equals("{}"), Duration.ofSeconds(15)); // a quiet stream still speaks

        send(HttpRequest.newBuilder(api.resolve("/v1/jobs/counter?purge=true")).DELETE());
    }
}
