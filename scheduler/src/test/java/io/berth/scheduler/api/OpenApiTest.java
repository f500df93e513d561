package io.berth.scheduler.api;

import static io.berth.scheduler.api.ApiFixture.json;
import static io.berth.scheduler.api.ApiFixture.webJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The OpenAPI document against the routes that exist: the same set, and each documented answer is real. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiTest {
    private static final Set<String> METHODS = Set.of("get", "post", "put", "delete", "patch", "head", "options");

    @TempDir
    static Path dir;
    ApiFixture api;
    JsonNode doc;

    @BeforeAll
    void start() {
        api = new ApiFixture(dir, 1, ApiSettings.loopback(0));
        doc = json(api.get("/v1/openapi.json"));
    }

    @AfterAll
    void stop() {
        api.close();
    }

    private record Operation(String method, String path) {}

    private List<Operation> documented() {
        List<Operation> ops = new ArrayList<>();
        for (Iterator<String> paths = doc.path("paths").fieldNames(); paths.hasNext(); ) {
            String path = paths.next();
            for (Iterator<String> keys = doc.path("paths").path(path).fieldNames(); keys.hasNext(); ) {
                String key = keys.next();
                if (METHODS.contains(key)) {
                    ops.add(new Operation(key.toUpperCase(Locale.ROOT), path));
                }
            }
        }
        return ops;
    }

    @Test
    void everyRouteIsDocumentedAndEveryDocumentedOperationIsARoute() {
        Set<Operation> routes = new TreeSet<>(Comparator.comparing(Operation::path).thenComparing(Operation::method));
        for (Router.Route route : api.server.router().routes()) {
            routes.add(new Operation(route.method().name(), route.template()));
        }
        Set<Operation> documented = new TreeSet<>(Comparator.comparing(Operation::path).thenComparing(Operation::method));
        documented.addAll(documented());
        assertThat(documented).containsExactlyElementsOf(routes);
    }

    @Test
    void eachDocumentedOperationAnswersWithADocumentedStatus() throws Exception {
        assertThat(api.post("/v1/jobs", webJob("web", 1)).statusCode()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(20)).until(() ->
                json(api.get("/v1/jobs/web/allocations")).path("allocations").size() == 1);
        String alloc = json(api.get("/v1/jobs/web/allocations")).path("allocations").get(0).path("id").asText();

        List<Operation> ops = documented();
        ops.sort(Comparator.comparing((Operation o) -> o.method().equals("DELETE"))); // stop the job last
        for (Operation op : ops) {
            String path = op.path().replace("{id}", op.path().startsWith("/v1/allocations") ? alloc : "web")
                    .replace("{job_id}", "web").replace("{name}", "hollow-00001");
            String body = op.path().endsWith("/plan") ? webJob("web", 1) : "{}";
            HttpRequest.Builder request = api.request(path);
            request = switch (op.method()) {
                case "GET" -> request.GET();
                case "DELETE" -> request.DELETE();
                default -> request.header("Content-Type", "application/json")
                        .method(op.method(), HttpRequest.BodyPublishers.ofString(body));
            };
            HttpResponse<InputStream> response = api.http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            String text;
            try (InputStream in = response.body()) {
                boolean stream = response.headers().firstValue("Content-Type").orElse("").contains("ndjson");
                text = stream ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            int status = response.statusCode();
            assertThat(status).as(op + " answered " + text).isNotEqualTo(405);
            assertThat(text).as(op.toString()).doesNotContain("no such path");
            JsonNode responses = doc.path("paths").path(op.path()).path(op.method().toLowerCase(Locale.ROOT))
                    .path("responses");
            assertThat(responses.has(Integer.toString(status))).as(op + " answered " + status + " " + text
                    + ", documented: " + responses.fieldNames().next()).isTrue();
        }
    }
}
