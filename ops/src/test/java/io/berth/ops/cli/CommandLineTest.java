package io.berth.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.ops.cli.DevCluster.Result;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The {@code berth} command line against the tests' dev-mode cluster ({@link DevCluster}): a job run and followed
 * until healthy, read back as tables and as JSON, its allocations and their logs, the node, a stop; and what a
 * user gets wrong.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(DevCluster.Resolver.class)
class CommandLineTest {

    static DevCluster cluster;

    @BeforeAll
    static void useTheDevCluster(DevCluster shared) {
        cluster = shared;
    }

    static Result berth(String... args) {
        return cluster.berth(args);
    }

    @Test
    @Order(1)
    void jobRunFollowsTheDeploymentUntilHealthy() throws Exception {
        Result run = berth("job", "run", cluster.service("hello", 2).toString(), "--timeout", "2m");
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

        Result plan = berth("job", "plan", cluster.dir.resolve("hello.json").toString());
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
        Result byTask = berth("alloc", "logs", "--task", "httpd", shortId);
        assertThat(byTask.exit()).as(byTask.err()).isZero();
        assertThat(byTask.out()).contains("hello from");
        Result noTask = berth("alloc", "logs", "--task", "nope", shortId);
        assertThat(noTask.exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(noTask.err()).contains("has no task 'nope' (its tasks: httpd)");
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
        Path file = cluster.dir.resolve("broken.json");
        Files.writeString(file, """
                {"id": "broken", "type": "service",
                 "groups": [{"name": "g", "count": 1, "tasks": [{
                   "name": "t", "image": "%s", "command": ["/bin/sh", "-c", "echo failing; exit 3"],
                   "resources": {"cpu_mhz": 100, "memory_mb": 16}, "network": "none",
                   "restart": {"attempts": 0, "mode": "fail"}}],
                   "reschedule": {"attempts": 0}}],
                 "update": {"min_healthy_time": "1s", "healthy_deadline": "30s"}}
                """.formatted(DevCluster.IMAGE));
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
        Result run = berth("job", "run", cluster.dir.resolve("nope.json").toString());
        assertThat(run.exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(run.err()).contains("nope.json: no such file");
    }

    @Test
    void anInvalidSpecIsRefusedWithItsFieldPaths() throws Exception {
        Path bad = cluster.dir.resolve("bad.json");
        Files.writeString(bad, """
                {"id": "bad", "groups": [{"name": "g", "count": -1, "tasks": [{"name": "t", "image": "%s",
                  "resources": {"memory_mb": 32}, "colour": "blue"}]}]}
                """.formatted(DevCluster.IMAGE));
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
