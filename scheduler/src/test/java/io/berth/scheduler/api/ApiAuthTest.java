package io.berth.scheduler.api;

import static io.berth.scheduler.api.ApiFixture.MANAGEMENT;
import static io.berth.scheduler.api.ApiFixture.READ_ONLY;
import static io.berth.scheduler.api.ApiFixture.json;
import static io.berth.scheduler.api.ApiFixture.webJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Bearer tokens: 401 without or with a wrong one, 403 for a read-only token on a write, health always open. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiAuthTest {
    @TempDir
    static Path dir;
    ApiFixture api;

    @BeforeAll
    void start() {
        api = new ApiFixture(dir, 0, ApiSettings.loopback(0).withTokens(List.of(
                new ApiToken(MANAGEMENT, Role.MANAGEMENT), new ApiToken(READ_ONLY, Role.READ_ONLY))));
    }

    @AfterAll
    void stop() {
        api.close();
    }

    @Test
    void aMissingTokenIs401WithAClearBody() {
        HttpResponse<String> response = api.token(null).get("/v1/jobs");
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"berth\"");
        assertThat(json(response).path("error").asText()).contains("Authorization: Bearer");
        assertThat(api.token(null).get("/metrics").statusCode()).isEqualTo(401);
        assertThat(api.token(null).post("/v1/jobs", webJob("x", 1)).statusCode()).isEqualTo(401);
    }

    @Test
    void aWrongTokenIs401() {
        HttpResponse<String> response = api.token("not-a-token-of-this-cluster").get("/v1/jobs");
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(json(response).path("error").asText()).contains("not valid");
        HttpResponse<String> basic = api.send(api.token(null).request("/v1/jobs")
                .header("Authorization", "Basic dXNlcjpwYXNz").GET().build());
        assertThat(basic.statusCode()).isEqualTo(401);
    }

    @Test
    void aReadOnlyTokenReadsButCannotWrite() {
        assertThat(api.token(READ_ONLY).get("/v1/jobs").statusCode()).isEqualTo(200);
        assertThat(api.token(READ_ONLY).get("/metrics").statusCode()).isEqualTo(200);
        HttpResponse<String> write = api.token(READ_ONLY).post("/v1/jobs", webJob("ro", 1));
        assertThat(write.statusCode()).isEqualTo(403);
        assertThat(json(write).path("error").asText()).contains("read-only").contains("management token");
        assertThat(api.token(READ_ONLY).delete("/v1/jobs/ro").statusCode()).isEqualTo(403);
    }

    @Test
    void aManagementTokenWrites() {
        HttpResponse<String> response = api.token(MANAGEMENT).post("/v1/jobs", webJob("managed", 1));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    @Test
    void healthAndTheOpenApiDocumentNeedNoToken() {
        assertThat(api.token(null).get("/alive").statusCode()).isEqualTo(200);
        assertThat(api.token(null).get("/v1/openapi.json").statusCode()).isEqualTo(200);
    }

    @Test
    void theApiRefusesToListenBeyondLoopbackWithoutTokens() {
        ApiSettings open = ApiSettings.loopback(0).withAddress("0.0.0.0", 0);
        assertThat(open.loopback()).isFalse();
        assertThatThrownBy(() -> ApiServer.start(api.system, open, api.jobStore, api.scheduler))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("beyond loopback").hasMessageContaining("berth.api.tokens");
    }

    @Test
    void tokensComeFromConfigAndATokenFileWhoseErrorsNameTheLine() throws IOException {
        Path file = dir.resolve("tokens");
        Files.writeString(file, "# operators\nmanagement " + MANAGEMENT + "\n\nread-only " + READ_ONLY + "\n");
        ApiSettings settings = ApiSettings.fromConfig(ConfigFactory.parseString(
                "berth.api { host = \"0.0.0.0\", tokens = [{secret = \"config-token-0123456789\", role = read-only}], "
                        + "tokens-file = \"" + file + "\" }"));
        assertThat(settings.tokens()).extracting(ApiToken::role)
                .containsExactly(Role.READ_ONLY, Role.MANAGEMENT, Role.READ_ONLY);

        Files.writeString(file, "management " + MANAGEMENT + "\nadmin some-long-secret-0123456789\n");
        assertThatThrownBy(() -> ApiSettings.readTokens(file))
                .hasMessageContaining(file + " line 2").hasMessageContaining("unknown role 'admin'");
        Files.writeString(file, "management short\n");
        assertThatThrownBy(() -> ApiSettings.readTokens(file))
                .hasMessageContaining("line 1").hasMessageContaining("at least 16");
    }
}
