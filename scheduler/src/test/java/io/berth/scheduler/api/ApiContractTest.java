package io.berth.scheduler.api;

import static io.berth.scheduler.api.ApiFixture.json;
import static io.berth.scheduler.api.ApiFixture.webJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every route over real HTTP against a one-node cluster (job store, scheduler singleton, two hollow agents):
 * status codes and the JSON shapes the command line relies on.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiContractTest {
    @TempDir
    static Path dir;
    ApiFixture api;

    @BeforeAll
    void start() {
        api = new ApiFixture(dir, 2, ApiSettings.loopback(0));
        await().atMost(Duration.ofSeconds(20)).until(() -> json(api.get("/v1/nodes")).path("nodes").size() == 2);
    }

    @AfterAll
    void stop() {
        api.close();
    }

    private JsonNode register(String id, int count) {
        HttpResponse<String> response = api.post("/v1/jobs", webJob(id, count));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return json(response);
    }

    /** Waits until {@code count} allocations of job {@code id} run, and returns them. */
    private JsonNode running(String id, int count) {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            int n = 0;
            for (JsonNode a : json(api.get("/v1/jobs/" + id + "/allocations")).path("allocations")) {
                n += a.path("state").asText().equals("running") ? 1 : 0;
            }
            return n == count;
        });
        return json(api.get("/v1/jobs/" + id + "/allocations")).path("allocations");
    }

    @Test
    void registeringAJobAnswers201WithItsVersionAndAgainUnchanged() {
        JsonNode first = register("reg", 1);
        assertThat(first.path("job_id").asText()).isEqualTo("reg");
        assertThat(first.path("version").asLong()).isZero();
        assertThat(first.path("changed").asBoolean()).isTrue();
        JsonNode again = register("reg", 1);
        assertThat(again.path("version").asLong()).isZero();
        assertThat(again.path("changed").asBoolean()).isFalse();
    }

    @Test
    void aYamlSpecIsReadByItsContentType() {
        String yaml = """
                id: yaml-job
                groups:
                  - name: g
                    tasks:
                      - name: t
                        image: docker.io/library/busybox:1.36
                        command: ["sleep", "1000"]
                        resources: {cpu_mhz: 100, memory_mb: 16}
                """;
        HttpResponse<String> response = api.send(api.request("/v1/jobs").header("Content-Type", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString(yaml)).build());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        assertThat(json(response).path("job_id").asText()).isEqualTo("yaml-job");
    }

    @Test
    void listingFiltersByPrefixPagesAndCarriesTheIndex() {
        register("list-a", 1);
        register("list-b", 1);
        register("list-c", 1);
        HttpResponse<String> all = api.get("/v1/jobs?prefix=list-");
        assertThat(all.statusCode()).isEqualTo(200);
        assertThat(all.headers().firstValue("X-Berth-Index")).isPresent();
        JsonNode jobs = json(all).path("jobs");
        assertThat(jobs).extracting(j -> j.path("id").asText()).containsExactly("list-a", "list-b", "list-c");
        JsonNode a = jobs.get(0);
        assertThat(a.path("type").asText()).isEqualTo("service");
        assertThat(a.path("priority").asInt()).isEqualTo(60);
        assertThat(a.path("stopped").asBoolean()).isFalse();
        assertThat(a.path("status").asText()).isIn("pending", "running");
        assertThat(a.path("groups").path("frontend").asInt()).isEqualTo(1);
        assertThat(a.path("submitted_at").asText()).endsWith("Z");

        JsonNode page1 = json(api.get("/v1/jobs?prefix=list-&per_page=2"));
        assertThat(page1.path("jobs")).extracting(j -> j.path("id").asText()).containsExactly("list-a", "list-b");
        assertThat(page1.path("next_token").asText()).isEqualTo("list-c");
        JsonNode page2 = json(api.get("/v1/jobs?prefix=list-&per_page=2&next_token=list-c"));
        assertThat(page2.path("jobs")).extracting(j -> j.path("id").asText()).containsExactly("list-c");
        assertThat(page2.path("next_token").isNull()).isTrue();
    }

    /** The jobs of a listing with {@code prefix}, by id. */
    private JsonNode listed(String prefix) {
        return json(api.get("/v1/jobs?prefix=" + prefix)).path("jobs");
    }

    @Test
    void aListingShowsEveryWriteRightAfterItsAnswer() {
        assertThat(listed("fresh-")).isEmpty(); // a listing before: what it wrote must not be answered again
        register("fresh-a", 1);
        assertThat(listed("fresh-")).extracting(j -> j.path("id").asText()).containsExactly("fresh-a");
        register("fresh-a", 2);
        JsonNode scaled = listed("fresh-").get(0);
        assertThat(scaled.path("version").asLong()).isEqualTo(1);
        assertThat(scaled.path("groups").path("frontend").asInt()).isEqualTo(2);
        assertThat(api.delete("/v1/jobs/fresh-a").statusCode()).isEqualTo(200);
        JsonNode stopped = listed("fresh-").get(0);
        assertThat(stopped.path("stopped").asBoolean()).isTrue();
        assertThat(stopped.path("status").asText()).isEqualTo("stopped");
        assertThat(api.delete("/v1/jobs/fresh-a?purge=true").statusCode()).isEqualTo(200);
        assertThat(listed("fresh-")).isEmpty();
    }

    @Test
    void aListingFollowsTheStatusOfAJobsAllocations() {
        register("status-a", 1);
        listed("status-"); // written while pending (or already running)
        running("status-a", 1);
        assertThat(listed("status-").get(0).path("status").asText()).isEqualTo("running");
    }

    @Test
    void followingNextTokensPagesThroughTheWholeListing() {
        for (String id : List.of("page-a", "page-b", "page-c", "page-d", "page-e")) {
            register(id, 1);
        }
        JsonNode whole = json(api.get("/v1/jobs?prefix=page-"));
        assertThat(whole.path("next_token").isNull()).isTrue();
        List<JsonNode> paged = new ArrayList<>();
        String token = "";
        int pages = 0;
        do {
            JsonNode page = json(api.get("/v1/jobs?prefix=page-&per_page=2&next_token=" + token));
            page.path("jobs").forEach(paged::add);
            token = page.path("next_token").isNull() ? null : page.path("next_token").asText();
            pages++;
        } while (token != null);
        assertThat(pages).isEqualTo(3);
        List<String> ids = paged.stream().map(j -> j.path("id").asText()).toList();
        assertThat(ids).containsExactly("page-a", "page-b", "page-c", "page-d", "page-e");
        List<String> statuses = paged.stream().map(j -> j.path("status").asText()).toList();
        assertThat(statuses).allMatch(s -> s.equals("pending") || s.equals("running"));
        assertThat(whole.path("jobs")).extracting(j -> j.path("id").asText()).isEqualTo(ids);
    }

    @Test
    void readingAJobShowsItsSpecStatusAndGroupCountsByState() {
        register("read-me", 2);
        running("read-me", 2);
        HttpResponse<String> response = api.get("/v1/jobs/read-me");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Berth-Index")).isPresent();
        JsonNode job = json(response);
        assertThat(job.path("id").asText()).isEqualTo("read-me");
        assertThat(job.path("version").asLong()).isZero();
        assertThat(job.path("status").asText()).isEqualTo("running");
        assertThat(job.path("spec").path("groups").get(0).path("tasks").get(0).path("resources").path("memory_mb")
                .asInt()).isEqualTo(32);
        JsonNode group = job.path("groups").get(0);
        assertThat(group.path("name").asText()).isEqualTo("frontend");
        assertThat(group.path("count").asInt()).isEqualTo(2);
        assertThat(group.path("allocations").path("running").asInt()).isEqualTo(2);
    }

    @Test
    void scaleRevertAndVersionsMakeNewVersions() {
        register("scaled", 1);
        HttpResponse<String> scaled = api.post("/v1/jobs/scaled/scale", "{\"group\": \"frontend\", \"count\": 3}");
        assertThat(scaled.statusCode()).as(scaled.body()).isEqualTo(201);
        assertThat(json(scaled).path("version").asLong()).isEqualTo(1);
        assertThat(json(api.get("/v1/jobs/scaled")).path("groups").get(0).path("count").asInt()).isEqualTo(3);

        HttpResponse<String> reverted = api.post("/v1/jobs/scaled/revert", "{\"version\": 0}");
        assertThat(reverted.statusCode()).as(reverted.body()).isEqualTo(201);
        assertThat(json(reverted).path("version").asLong()).isEqualTo(2);
        assertThat(json(api.get("/v1/jobs/scaled")).path("groups").get(0).path("count").asInt()).isEqualTo(1);

        JsonNode versions = json(api.get("/v1/jobs/scaled/versions"));
        assertThat(versions.path("job_id").asText()).isEqualTo("scaled");
        assertThat(versions.path("versions")).extracting(v -> v.path("version").asLong()).containsExactly(2L, 1L, 0L);
        assertThat(versions.path("versions").get(1).path("spec").path("groups").get(0).path("count").asInt())
                .isEqualTo(3);
        assertThat(versions.path("versions").get(0).has("submitted_at")).isTrue();
        assertThat(versions.path("versions").get(0).has("stable")).isTrue();
    }

    @Test
    void planShowsWhatWouldBePlacedAndWhyNothingFits() {
        HttpResponse<String> fits = api.post("/v1/jobs/planned/plan", webJob("planned", 2));
        assertThat(fits.statusCode()).as(fits.body()).isEqualTo(200);
        JsonNode plan = json(fits);
        assertThat(plan.path("job_id").asText()).isEqualTo("planned");
        assertThat(plan.path("groups").get(0).path("place").asInt()).isEqualTo(2);
        assertThat(plan.path("placements")).hasSize(2);
        assertThat(json(api.get("/v1/jobs/planned")).path("error").asText()).contains("no job planned");

        String huge = webJob("too-big", 1).replace("\"memory_mb\": 32", "\"memory_mb\": 1000000");
        JsonNode none = json(api.post("/v1/jobs/too-big/plan", huge));
        assertThat(none.path("failures").get(0).path("unplaced").asInt()).isEqualTo(1);
        assertThat(none.path("explanation").asText()).isNotEmpty();
    }

    @Test
    void stoppingAndPurgingAJob() {
        register("stop-me", 1);
        HttpResponse<String> stopped = api.delete("/v1/jobs/stop-me");
        assertThat(stopped.statusCode()).as(stopped.body()).isEqualTo(200);
        assertThat(json(stopped).path("stopped").asBoolean()).isTrue();
        assertThat(json(stopped).path("purged").asBoolean()).isFalse();
        JsonNode job = json(api.get("/v1/jobs/stop-me"));
        assertThat(job.path("stopped").asBoolean()).isTrue();
        assertThat(job.path("status").asText()).isEqualTo("stopped");

        HttpResponse<String> purged = api.delete("/v1/jobs/stop-me?purge=true");
        assertThat(json(purged).path("purged").asBoolean()).isTrue();
        assertThat(api.get("/v1/jobs/stop-me").statusCode()).isEqualTo(404);
    }

    @Test
    void deploymentsAreReadPromotedAndFailed() {
        register("deployed", 1);
        running("deployed", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> api.get("/v1/jobs/deployed/deployment").statusCode() == 200);
        JsonNode deployment = json(api.get("/v1/jobs/deployed/deployment"));
        assertThat(deployment.path("job_id").asText()).isEqualTo("deployed");
        assertThat(deployment.path("groups").get(0).path("group").asText()).isEqualTo("frontend");
        assertThat(deployment.path("status").asText()).isNotEmpty();

        // nothing waits for promotion: refused with why, or done; never a 404 for a known job
        assertThat(api.post("/v1/deployments/deployed/promote", "").statusCode()).isIn(200, 409);
        assertThat(api.post("/v1/deployments/deployed/fail", "").statusCode()).isIn(200, 409);
        assertThat(api.post("/v1/deployments/nobody/promote", "").statusCode()).isEqualTo(404);
        assertThat(api.get("/v1/jobs/nobody/deployment").statusCode()).isEqualTo(404);
    }

    @Test
    void allocationsAreListedReadRestartedSignalledAndMeasured() {
        register("allocs", 2);
        JsonNode allocations = running("allocs", 2);
        String id = allocations.get(0).path("id").asText();
        JsonNode a = allocations.get(0);
        assertThat(a.path("job_id").asText()).isEqualTo("allocs");
        assertThat(a.path("group").asText()).isEqualTo("frontend");
        assertThat(a.path("client_status").asText()).isEqualTo("running");
        assertThat(a.path("desired_status").asText()).isEqualTo("run");
        assertThat(a.path("node").asText()).startsWith("hollow-");
        assertThat(a.path("ports").path("http").asInt()).isPositive();

        assertThat(json(api.get("/v1/allocations?job=allocs")).path("allocations")).hasSize(2);
        assertThat(json(api.get("/v1/allocations")).path("allocations").size()).isGreaterThanOrEqualTo(2);
        HttpResponse<String> one = api.get("/v1/allocations/" + id);
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(json(one).path("id").asText()).isEqualTo(id);

        HttpResponse<String> stats = api.get("/v1/allocations/" + id + "/stats");
        assertThat(stats.statusCode()).as(stats.body()).isEqualTo(200);
        assertThat(json(stats).path("allocation_id").asText()).isEqualTo(id);
        assertThat(json(stats).has("memory_bytes")).isTrue();

        HttpResponse<String> signal = api.post("/v1/allocations/" + id + "/signal", "{\"signal\": \"SIGHUP\"}");
        assertThat(signal.statusCode()).as(signal.body()).isEqualTo(200);
        HttpResponse<String> restart = api.post("/v1/allocations/" + id + "/restart", "");
        assertThat(restart.statusCode()).as(restart.body()).isEqualTo(200);
        assertThat(json(restart).path("message").asText()).contains(id);

        HttpResponse<String> tail = api.get("/v1/allocations/" + id + "/logs?tail=10");
        assertThat(tail.statusCode()).as(tail.body()).isEqualTo(200);
        assertThat(tail.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");

        assertThat(api.get("/v1/allocations/no-such-alloc").statusCode()).isEqualTo(404);
        assertThat(api.post("/v1/allocations/no-such-alloc/restart", "").statusCode()).isEqualTo(404);

        // a task of the allocation by name: the group's one task, one it does not have (before any state check), a
        // malformed name
        assertThat(api.get("/v1/allocations/" + id + "/logs?tail=10&task=httpd").statusCode()).isEqualTo(200);
        for (HttpResponse<String> noTask : List.of(api.get("/v1/allocations/" + id + "/logs?task=nope"),
                api.get("/v1/allocations/" + id + "/stats?task=nope"),
                api.post("/v1/allocations/" + id + "/restart?task=nope", ""),
                api.post("/v1/allocations/" + id + "/signal?task=nope", "{\"signal\": \"HUP\"}"))) {
            assertThat(noTask.statusCode()).as(noTask.body()).isEqualTo(404);
            assertThat(noTask.body()).contains("allocation " + id + " has no task 'nope' (its tasks: httpd)");
        }
        HttpResponse<String> malformed = api.get("/v1/allocations/" + id + "/logs?task=%2Fetc");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(malformed.body()).contains("task: invalid task '/etc'");
    }

    @Test
    void aLogFollowStreamsUntilTheClientLeaves() throws Exception {
        register("follow", 1);
        String id = running("follow", 1).get(0).path("id").asText();
        HttpResponse<InputStream> response = api.http.send(api.request("/v1/allocations/" + id
                + "/logs?follow=true&tail=0").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Transfer-Encoding").orElse("")).isEqualTo("chunked");
        // a hollow task writes nothing: the stream stays open until we leave
        CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
            try {
                return response.body().read();
            } catch (java.io.IOException e) {
                return -2;
            }
        });
        Thread.sleep(500);
        assertThat(read).isNotDone();
        response.body().close();
    }

    @Test
    void nodesAreListedReadDrainedAndMadeEligible() {
        JsonNode nodes = json(api.get("/v1/nodes")).path("nodes");
        assertThat(nodes).extracting(n -> n.path("name").asText()).contains("hollow-00001", "hollow-00002");
        JsonNode node = nodes.get(0);
        assertThat(node.path("status").asText()).isEqualTo("ready");
        assertThat(node.path("info").path("cpu_mhz").asInt()).isEqualTo(4000);
        assertThat(node.has("agent")).isFalse();

        HttpResponse<String> one = api.get("/v1/nodes/hollow-00002");
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(json(one).path("node").path("name").asText()).isEqualTo("hollow-00002");
        assertThat(json(one).path("allocations").isArray()).isTrue();

        HttpResponse<String> off = api.post("/v1/nodes/hollow-00002/eligibility", "{\"eligible\": false}");
        assertThat(off.statusCode()).as(off.body()).isEqualTo(200);
        assertThat(json(api.get("/v1/nodes/hollow-00002")).path("node").path("eligible").asBoolean()).isFalse();
        assertThat(api.post("/v1/nodes/hollow-00002/eligibility", "{\"eligible\": true}").statusCode())
                .isEqualTo(200);

        HttpResponse<String> drain = api.post("/v1/nodes/hollow-00002/drain", "{\"enable\": true, \"deadline\": \"1m\"}");
        assertThat(drain.statusCode()).as(drain.body()).isEqualTo(200);
        assertThat(json(api.get("/v1/nodes/hollow-00002")).path("node").path("eligible").asBoolean()).isFalse();
        assertThat(api.post("/v1/nodes/hollow-00002/drain", "{\"enable\": false}").statusCode()).isEqualTo(200);
        assertThat(api.post("/v1/nodes/hollow-00002/eligibility", "{\"eligible\": true}").statusCode())
                .isEqualTo(200);

        assertThat(api.get("/v1/nodes/no-such-node").statusCode()).isEqualTo(404);
        assertThat(api.post("/v1/nodes/no-such-node/drain", "{}").statusCode()).isEqualTo(404);
    }

    @Test
    void aBlockingQueryWaitsForTheNextChangeOrItsWait() throws Exception {
        HttpResponse<String> now = api.get("/v1/jobs");
        long index = Long.parseLong(now.headers().firstValue("X-Berth-Index").orElseThrow());

        long started = System.nanoTime();
        HttpResponse<String> quiet = api.get("/v1/nodes/hollow-00001?index=" + Long.MAX_VALUE / 2 + "&wait=300ms");
        assertThat(quiet.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(300));

        CompletableFuture<HttpResponse<String>> blocked = api.http.sendAsync(
                api.request("/v1/jobs?index=" + index + "&wait=20s").GET().build(), HttpResponse.BodyHandlers.ofString());
        Thread.sleep(300);
        // something may have happened since (allocations of earlier tests); either way the answer is newer
        register("blocking", 1);
        HttpResponse<String> answer = blocked.get(20, TimeUnit.SECONDS);
        assertThat(Long.parseLong(answer.headers().firstValue("X-Berth-Index").orElseThrow())).isGreaterThan(index);
        long after = Long.parseLong(answer.headers().firstValue("X-Berth-Index").orElseThrow());
        HttpResponse<String> latest = api.get("/v1/jobs?index=" + after + "&wait=100ms");
        assertThat(json(latest).path("jobs")).extracting(j -> j.path("id").asText()).contains("blocking");
    }

    @Test
    void theEventStreamFiltersByTopicAndResumesFromAnIndex() throws Exception {
        long index = Long.parseLong(api.get("/v1/jobs").headers().firstValue("X-Berth-Index").orElseThrow());
        register("evented", 1);
        running("evented", 1);

        List<JsonNode> jobEvents = readEvents("/v1/events?topic=Job:evented&index=" + index, 1);
        assertThat(jobEvents.get(0).path("type").asText()).isEqualTo("JobRegistered");
        assertThat(jobEvents.get(0).path("key").asText()).isEqualTo("evented");
        assertThat(jobEvents.get(0).path("index").asLong()).isGreaterThan(index);

        List<JsonNode> allocEvents = readEvents("/v1/events?topic=Allocation&index=" + index, 2);
        assertThat(allocEvents).allSatisfy(e -> assertThat(e.path("topic").asText()).isEqualTo("Allocation"));

        // resuming after the JobRegistered event does not show it again
        long after = jobEvents.get(0).path("index").asLong();
        register("evented-2", 1);
        List<JsonNode> resumed = readEvents("/v1/events?topic=Job&index=" + after, 1);
        assertThat(resumed.get(0).path("key").asText()).isEqualTo("evented-2");
        assertThat(api.get("/v1/events?topic=Nope").statusCode()).isEqualTo(400);
    }

    /** Reads the first {@code count} events (skipping heartbeats) from a stream, then leaves. */
    private List<JsonNode> readEvents(String path, int count) throws Exception {
        HttpResponse<InputStream> response = api.http.send(api.request(path).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/x-ndjson");
        List<JsonNode> events = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            CompletableFuture<Void> reading = CompletableFuture.runAsync(() -> {
                try {
                    String line;
                    while (events.size() < count && (line = lines.readLine()) != null) {
                        JsonNode event = ApiFixture.JSON.readTree(line);
                        if (!event.isEmpty()) {
                            synchronized (events) {
                                events.add(event);
                            }
                        }
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            reading.get(20, TimeUnit.SECONDS);
        }
        return events;
    }

    @Test
    void statusMetricsHealthAndTheOpenApiDocumentAnswer() {
        HttpResponse<String> leader = api.get("/v1/status/leader");
        assertThat(leader.statusCode()).isEqualTo(200);
        assertThat(json(leader).path("leader").asText()).startsWith("pekko://");

        register("measured", 1);
        running("measured", 1);
        api.get("/v1/jobs");
        HttpResponse<String> metrics = api.get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body())
                .contains("berth_api_requests_seconds_count{method=\"GET\",route=\"/v1/jobs\",status=\"200\"}")
                .contains("berth_scheduler_placements_total")
                .contains("berth_scheduler_evaluation_queue_depth")
                .contains("berth_allocations{state=\"running\"}")
                .contains("jvm_memory_used_bytes");
        // hollow agents report PULLING then STARTING: the pull is timed from the allocation's history
        assertThat(metrics.body().lines().filter(l -> l.startsWith("berth_image_pulls_seconds_count"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum()).isPositive();

        assertThat(api.get("/alive").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> api.get("/ready").statusCode() == 200);
        HttpResponse<String> openapi = api.get("/v1/openapi.json");
        assertThat(openapi.statusCode()).isEqualTo(200);
        assertThat(json(openapi).path("openapi").asText()).startsWith("3.");
    }
}
