package io.berth.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.ops.cli.DevCluster.Result;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What an operator does to a running cluster through the command line — scale, revert, promote canaries,
 * drain a node with a deadline, turn its eligibility off and on, read the event stream from an index and live —
 * against the tests' dev cluster ({@link DevCluster}). Each asserts the effect through the API, what is printed,
 * and the exit code; and each refuses an unknown name with exit code 3 and a bad argument with 2.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(DevCluster.Resolver.class)
class OperationsCommandsTest {

    /** The event stream's keep-alive period (EventRoutes.HEARTBEAT): a quiet stream sends "{}" after it. */
    static final Duration HEARTBEAT = Duration.ofSeconds(10);
    static final Duration SETTLE = Duration.ofSeconds(90);

    static DevCluster cluster;
    /** {@code berth events --topic Job:late --count 1 --json}, started before the tests. */
    static CompletableFuture<Result> live;
    static long liveSince;

    @BeforeAll
    static void startALiveEventStream(DevCluster shared) throws Exception {
        cluster = shared;
        // history the live stream must not print: it only prints what happens once it runs
        assertThat(berth("job", "run", "--detach", cluster.service("late", 0).toString()).exit()).isZero();
        liveSince = System.nanoTime();
        live = CompletableFuture.supplyAsync(() -> berth("events", "--topic", "Job:late", "--count", "1", "--json"));
    }

    @AfterAll
    static void leaveTheNodeAsItWas() {
        berth("node", "eligibility", "dev", "--enable");
        for (String job : List.of("scaled", "canaried", "late")) {
            berth("job", "stop", job, "--purge");
        }
        if (live != null) {
            live.cancel(true);
        }
    }

    static Result berth(String... args) {
        return cluster.berth(args);
    }

    /** The job's allocations the scheduler still wants running. */
    static List<JsonNode> live(String job) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode a : Allocations.items(cluster.get("/v1/jobs/" + job + "/allocations"))) {
            if (a.path("desired_status").asText().equals("run")) {
                out.add(a);
            }
        }
        return out;
    }

    static long running(String job) throws Exception {
        return live(job).stream().filter(a -> a.path("state").asText().equals("running")).count();
    }

    static void assertRefused(Result r, int exit, String command, String... says) {
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(exit);
        assertThat(r.err()).startsWith("berth " + command + ": ").contains(says);
        assertThat(r.out()).isEmpty();
    }

    @Test
    @Order(1)
    void scaleSetsAGroupsCountAndTheAllocationsFollow() throws Exception {
        Result run = berth("job", "run", cluster.service("scaled", 1).toString(), "--timeout", "2m");
        assertThat(run.exit()).as(run.out() + run.err()).isZero();

        Result scale = berth("job", "scale", "scaled", "web", "3");
        assertThat(scale.exit()).as(scale.err()).isZero();
        assertThat(scale.out()).isEqualTo("job scaled: group web scaled to 3 (version 1)\n");
        JsonNode job = cluster.get("/v1/jobs/scaled");
        assertThat(job.path("version").asLong()).isEqualTo(1);
        assertThat(job.path("groups").get(0).path("count").asInt()).isEqualTo(3);
        await().atMost(SETTLE).untilAsserted(() -> assertThat(running("scaled")).isEqualTo(3));

        assertRefused(berth("job", "scale", "no-such-job", "web", "2"), ExitCodes.NOT_FOUND, "job scale",
                "no-such-job");
        assertRefused(berth("job", "scale", "scaled", "db", "2"), ExitCodes.USAGE, "job scale",
                "group", "has no group 'db'", "groups: web");
        assertRefused(berth("job", "scale", "scaled", "web", "-1"), ExitCodes.USAGE, "job scale",
                "COUNT: must be 0 or more");
        assertThat(berth("job", "scale", "scaled", "web", "many").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(cluster.get("/v1/jobs/scaled").path("version").asLong()).as("nothing refused was registered")
                .isEqualTo(1);
    }

    @Test
    @Order(2)
    void revertRegistersAnEarlierVersionAgain() throws Exception {
        Result revert = berth("job", "revert", "scaled", "0");
        assertThat(revert.exit()).as(revert.err()).isZero();
        assertThat(revert.out()).isEqualTo("job scaled: version 0 registered again as version 2\n");
        JsonNode job = cluster.get("/v1/jobs/scaled");
        assertThat(job.path("version").asLong()).isEqualTo(2);
        assertThat(job.path("groups").get(0).path("count").asInt()).isEqualTo(1);
        await().atMost(SETTLE).untilAsserted(() -> assertThat(live("scaled")).hasSize(1)
                .allSatisfy(a -> assertThat(a.path("state").asText()).isEqualTo("running")));
        assertThat(berth("job", "history", "scaled").out().lines()).hasSize(4); // the header and 3 versions

        assertRefused(berth("job", "revert", "scaled", "9"), ExitCodes.USAGE, "job revert",
                "has no version 9", "versions: 0, 1, 2");
        assertRefused(berth("job", "revert", "no-such-job", "0"), ExitCodes.NOT_FOUND, "job revert", "no-such-job");
        assertThat(berth("job", "revert", "scaled", "latest").exit()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    @Order(3)
    void promoteRollsACanaryDeploymentOn() throws Exception {
        String update = """
                {"max_parallel": 1, "canary": 1, "min_healthy_time": "1s", "healthy_deadline": "1m",
                 "auto_promote": false}""";
        Result first = berth("job", "run", cluster.service("canaried", 2, "hello", update).toString(),
                "--timeout", "2m");
        assertThat(first.exit()).as(first.out() + first.err()).isZero();

        // version 1: one canary beside the two old ones, then the deployment waits for a promotion by hand
        Result second = berth("job", "run", cluster.service("canaried", 2, "bonjour", update).toString(),
                "--timeout", "2m");
        assertThat(second.exit()).as(second.out() + second.err()).isZero();
        assertThat(second.out()).contains("deployment awaiting promotion").contains("1/1 canaries");
        JsonNode deployment = cluster.get("/v1/jobs/canaried/deployment");
        assertThat(deployment.path("job_version").asLong()).isEqualTo(1);
        assertThat(deployment.path("status").asText()).isEqualTo("awaiting_promotion");
        assertThat(live("canaried")).hasSize(3).filteredOn(a -> a.path("canary").asBoolean()).hasSize(1)
                .allSatisfy(a -> assertThat(a.path("job_version").asLong()).isEqualTo(1));

        Result promote = berth("job", "promote", "canaried");
        assertThat(promote.exit()).as(promote.err()).isZero();
        assertThat(promote.out()).isEqualTo("job canaried: canaries promoted\n");
        await().atMost(SETTLE).untilAsserted(() -> {
            JsonNode d = cluster.get("/v1/jobs/canaried/deployment");
            assertThat(d.path("status").asText()).isEqualTo("successful");
            assertThat(d.path("groups").get(0).path("promoted").asBoolean()).isTrue();
            assertThat(live("canaried")).hasSize(2).allSatisfy(a -> {
                assertThat(a.path("job_version").asLong()).isEqualTo(1);
                assertThat(a.path("state").asText()).isEqualTo("running");
            });
        });

        assertRefused(berth("job", "promote", "no-such-job"), ExitCodes.NOT_FOUND, "job promote", "no-such-job");
        // nothing waits for a promotion any more: the scheduler refuses, and says why
        assertRefused(berth("job", "promote", "canaried"), ExitCodes.FAILED, "job promote", "version 1");
    }

    @Test
    @Order(4)
    void drainStopsWhatIsLeftAtTheDeadlineAndEligibilityBringsTheNodeBack() throws Exception {
        assertThat(running("scaled")).isEqualTo(1);
        assertThat(berth("node", "drain", "dev", "--deadline", "1h").exit()).isZero();
        Result cancel = berth("node", "drain", "dev", "--disable");
        assertThat(cancel.exit()).as(cancel.err()).isZero();
        assertThat(cancel.out()).isEqualTo("drain of node dev cancelled\n");
        JsonNode cancelled = cluster.get("/v1/nodes/dev").path("node");
        assertThat(cancelled.path("draining").asBoolean()).isFalse();
        assertThat(cancelled.path("eligible").asBoolean()).isTrue();
        await().atMost(SETTLE).untilAsserted(() -> assertThat(running("scaled")).isEqualTo(1));

        Result drain = berth("node", "drain", "dev", "--deadline", "2s");
        assertThat(drain.exit()).as(drain.err()).isZero();
        assertThat(drain.out()).startsWith("node dev is draining; what is left at ").endsWith(" is stopped\n");
        JsonNode node = cluster.get("/v1/nodes/dev").path("node");
        assertThat(node.path("draining").asBoolean()).isTrue();
        assertThat(node.path("eligible").asBoolean()).isFalse();
        assertThat(node.path("drain_deadline").asText()).isNotEmpty();
        assertThat(berth("node", "status", "dev").out()).contains("draining (deadline");

        // there is no other node to move to: at the deadline the allocations stop, and the drain is done
        await().atMost(SETTLE).untilAsserted(() -> {
            assertThat(live("scaled")).isEmpty();
            assertThat(live("canaried")).isEmpty();
            JsonNode n = cluster.get("/v1/nodes/dev").path("node");
            assertThat(n.path("draining").asBoolean()).isFalse();
            assertThat(n.path("eligible").asBoolean()).as("a drained node stays ineligible").isFalse();
        });
        assertThat(berth("node", "ls").out()).contains("ineligible");

        Result enable = berth("node", "eligibility", "dev", "--enable");
        assertThat(enable.exit()).as(enable.err()).isZero();
        assertThat(enable.out()).isEqualTo("node dev: eligible\n");
        assertThat(cluster.get("/v1/nodes/dev").path("node").path("eligible").asBoolean()).isTrue();
        await().atMost(SETTLE).untilAsserted(() -> {
            assertThat(running("scaled")).isEqualTo(1);
            assertThat(running("canaried")).isEqualTo(2);
        });

        Result disable = berth("node", "eligibility", "dev", "--disable");
        assertThat(disable.exit()).as(disable.err()).isZero();
        assertThat(disable.out()).isEqualTo("node dev: ineligible\n");
        assertThat(cluster.get("/v1/nodes/dev").path("node").path("eligible").asBoolean()).isFalse();
        // ineligible takes no new allocations, and keeps those it runs
        assertThat(berth("job", "scale", "scaled", "web", "2").exit()).isZero();
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(running("scaled")).isEqualTo(1));
        assertThat(berth("node", "eligibility", "dev", "--enable").exit()).isZero();
        await().atMost(SETTLE).untilAsserted(() -> assertThat(running("scaled")).isEqualTo(2));

        assertRefused(berth("node", "drain", "no-such-node"), ExitCodes.NOT_FOUND, "node drain", "no-such-node");
        assertRefused(berth("node", "drain", "dev", "--deadline", "soon"), ExitCodes.USAGE, "node drain",
                "--deadline");
        assertRefused(berth("node", "eligibility", "no-such-node", "--enable"), ExitCodes.NOT_FOUND,
                "node eligibility", "no-such-node");
        assertThat(berth("node", "eligibility", "dev").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(berth("node", "eligibility", "dev", "--enable", "--disable").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(cluster.get("/v1/nodes/dev").path("node").path("eligible").asBoolean()).isTrue();
    }

    @Test
    @Order(5)
    void eventsAreFilteredByTopicAndResumeFromAnIndex() throws Exception {
        Result all = berth("events", "--topic", "Job:scaled", "--index", "0", "--count", "3", "--json");
        assertThat(all.exit()).as(all.err()).isZero();
        List<JsonNode> events = new ArrayList<>();
        for (String line : all.out().lines().toList()) {
            events.add(DevCluster.JSON.readTree(line));
        }
        assertThat(events).hasSize(3).allSatisfy(e -> {
            assertThat(e.path("topic").asText()).isEqualTo("Job");
            assertThat(e.path("key").asText()).isEqualTo("scaled");
            assertThat(e.path("type").asText()).isEqualTo("JobRegistered");
        });
        assertThat(events).extracting(e -> e.path("details").path("version").asText())
                .containsExactly("0", "1", "2");

        // resuming after the first: the second and third come first
        long first = events.get(0).path("index").asLong();
        Result resumed = berth("events", "--topic", "Job:scaled", "--index", Long.toString(first), "--count", "2",
                "--json");
        assertThat(resumed.exit()).as(resumed.err()).isZero();
        assertThat(resumed.out().lines().toList()).containsExactlyElementsOf(all.out().lines().skip(1).toList());

        Result table = berth("events", "--topic", "Job:scaled", "--index", "0", "--count", "1");
        assertThat(table.exit()).as(table.err()).isZero();
        assertThat(table.out()).startsWith(first + "  ").contains("  Job  JobRegistered  scaled").contains("version=0");

        Result nodes = berth("events", "--topic", "Node", "--index", "0", "--count", "1", "--json");
        assertThat(nodes.exit()).as(nodes.err()).isZero();
        assertThat(nodes.json().path("type").asText()).isEqualTo("NodeRegistered");
        assertThat(nodes.json().path("key").asText()).isEqualTo("dev");

        assertRefused(berth("events", "--topic", "Weather", "--count", "1"), ExitCodes.USAGE, "events",
                "unknown topic 'Weather'");
        assertRefused(berth("events", "--index", "-1", "--count", "1"), ExitCodes.USAGE, "events", "--index");
        assertRefused(berth("events", "--count", "0"), ExitCodes.USAGE, "events", "--count");
    }

    @Test
    @Order(6)
    void aLiveStreamPrintsOnlyWhatHappensOnceItRunsWithoutItsKeepAlives() throws Exception {
        // the stream has been quiet for at least one keep-alive period ("{}" lines it must not print)
        long quiet = HEARTBEAT.plusSeconds(2).toMillis() - (System.nanoTime() - liveSince) / 1_000_000;
        if (quiet > 0) {
            Thread.sleep(quiet);
        }
        assertThat(live).isNotDone();
        assertThat(berth("job", "run", "--detach", cluster.service("late", 0, "again", """
                {"max_parallel": 1}""").toString()).exit()).isZero();
        Result r = live.get(30, TimeUnit.SECONDS);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines()).hasSize(1);
        JsonNode event = r.json();
        assertThat(event.path("key").asText()).isEqualTo("late");
        assertThat(event.path("type").asText()).isEqualTo("JobRegistered");
        assertThat(event.path("details").path("version").asText()).as("version 0 was registered before").isEqualTo("1");
    }
}
