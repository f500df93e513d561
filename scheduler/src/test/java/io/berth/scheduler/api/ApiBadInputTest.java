package io.berth.scheduler.api;

import static io.berth.scheduler.api.ApiFixture.json;
import static io.berth.scheduler.api.ApiFixture.webJob;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gets a 4xx with a JSON body that says what was wrong and where. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiBadInputTest {
    @TempDir
    static Path dir;
    ApiFixture api;

    @BeforeAll
    void start() {
        api = new ApiFixture(dir, 0, ApiSettings.loopback(0));
    }

    @AfterAll
    void stop() {
        api.close();
    }

    private static JsonNode error(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        JsonNode body = json(response);
        assertThat(body.path("error").asText()).isNotBlank();
        assertThat(body.path("errors").isArray()).isTrue();
        return body;
    }

    @Test
    void malformedJsonIsAnswered400WithLineAndColumn() {
        JsonNode body = error(api.post("/v1/jobs", "{\n  \"id\": \"x\",\n  \"groups\": [ }\n"), 400);
        assertThat(body.path("error").asText()).contains("malformed JSON at line 3, column");
        JsonNode small = error(api.post("/v1/jobs/x/scale", "{\"group\": "), 400);
        assertThat(small.path("error").asText()).contains("malformed JSON at line 1");
    }

    @Test
    void anInvalidSpecIsAnswered400WithEveryFieldPath() {
        String spec = webJob("bad", 1).replace("\"memory_mb\": 32", "\"memory_mb\": -1")
                .replace("\"priority\": 60", "\"priority\": 60, \"colour\": \"red\"");
        JsonNode body = error(api.post("/v1/jobs", spec), 400);
        assertThat(body.path("errors")).extracting(e -> e.path("path").asText())
                .contains("colour");
        JsonNode unknown = body.path("errors").get(0);
        assertThat(unknown.path("message").asText()).contains("unknown field");

        JsonNode invalid = error(api.post("/v1/jobs", webJob("bad", 1).replace("\"memory_mb\": 32", "\"memory_mb\": 0")),
                400);
        assertThat(invalid.path("errors")).extracting(e -> e.path("path").asText())
                .contains("groups[0].tasks[0].resources.memory_mb");
    }

    @Test
    void unknownFieldsOfSmallBodiesAreNamed() {
        JsonNode body = error(api.post("/v1/jobs/x/scale", "{\"group\": \"g\", \"count\": 1, \"size\": 2}"), 400);
        assertThat(body.path("errors").get(0).path("path").asText()).isEqualTo("size");
        assertThat(body.path("errors").get(0).path("message").asText()).contains("allowed here: count, group");
        JsonNode wrongType = error(api.post("/v1/jobs/x/scale", "{\"group\": \"g\", \"count\": \"three\"}"), 400);
        assertThat(wrongType.path("errors").get(0).path("path").asText()).isEqualTo("count");
        JsonNode missing = error(api.post("/v1/nodes/n/eligibility", "{}"), 400);
        assertThat(missing.path("errors").get(0).path("path").asText()).isEqualTo("eligible");
        JsonNode deadline = error(api.post("/v1/nodes/n/drain", "{\"deadline\": \"soon\"}"), 400);
        assertThat(deadline.path("errors").get(0).path("path").asText()).isEqualTo("deadline");
    }

    @Test
    void aBodyOverTheLimitIsAnswered413() {
        String big = "{\"id\": \"big\", \"meta\": {\"x\": \"" + "a".repeat(1024 * 1024 + 10) + "\"}}";
        JsonNode body = error(api.post("/v1/jobs", big), 413);
        assertThat(body.path("error").asText()).contains("larger than");
        // the connection is still usable afterwards
        assertThat(api.get("/v1/jobs").statusCode()).isEqualTo(200);
    }

    @Test
    void invalidIdsAre400AndUnknownOnes404() {
        JsonNode invalid = error(api.get("/v1/jobs/-bad%20id"), 400);
        assertThat(invalid.path("errors").get(0).path("path").asText()).isEqualTo("id");
        error(api.get("/v1/jobs/" + "x".repeat(200)), 400);
        error(api.get("/v1/allocations?job=%2Fetc"), 400);
        JsonNode unknown = error(api.get("/v1/jobs/nobody"), 404);
        assertThat(unknown.path("error").asText()).contains("nobody");
        error(api.get("/v1/jobs/nobody/versions"), 404);
        error(api.delete("/v1/jobs/nobody"), 404);
        error(api.post("/v1/jobs/nobody/scale", "{\"group\": \"g\", \"count\": 1}"), 404);
        error(api.post("/v1/jobs/nobody/revert", "{\"version\": 0}"), 404);
    }

    @Test
    void aWrongVerbIs405WithAllowAndAnUnknownPath404() {
        HttpResponse<String> put = api.send(api.request("/v1/jobs").PUT(HttpRequest.BodyPublishers.ofString("{}")).build());
        error(put, 405);
        assertThat(put.headers().firstValue("Allow")).contains("GET, POST");
        error(api.delete("/v1/nodes"), 405);
        error(api.get("/v1/jobs/x/plan"), 405);
        JsonNode none = error(api.get("/v1/nothing-here"), 404);
        assertThat(none.path("error").asText()).contains("no such path");
    }

    @Test
    void badQueryParametersAreNamed() {
        assertThat(error(api.get("/v1/jobs?per_page=lots"), 400).path("errors").get(0).path("path").asText())
                .isEqualTo("per_page");
        assertThat(error(api.get("/v1/jobs?index=-3"), 400).path("errors").get(0).path("path").asText())
                .isEqualTo("index");
        assertThat(error(api.get("/v1/jobs?index=1&wait=forever"), 400).path("errors").get(0).path("path").asText())
                .isEqualTo("wait");
        assertThat(error(api.delete("/v1/jobs/x?purge=yes"), 400).path("errors").get(0).path("path").asText())
                .isEqualTo("purge");
    }

    @Test
    void aPlanForAnotherJobThanThePathIsRefused() {
        JsonNode body = error(api.post("/v1/jobs/other/plan", webJob("mine", 1)), 400);
        assertThat(body.path("errors").get(0).path("path").asText()).isEqualTo("id");
    }
}
