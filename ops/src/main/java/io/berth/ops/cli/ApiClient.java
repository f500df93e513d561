package io.berth.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.berth.storage.registry.CaTrust;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A small client of Berth's HTTP API ({@code /v1/...}, JSON in snake_case) over {@link HttpClient}. Every call
 * sends the bearer token when there is one, turns an error answer into an {@link ApiException} carrying the
 * field paths, and a connection that cannot be made into an {@link ApiUnreachableException}. Thread-safe.
 */
public final class ApiClient {

    /** A JSON answer and, for lists and reads, the index a blocking query waits beyond (0 when absent). */
    public record Response(JsonNode body, long index) {}

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final String token;
    private final HttpClient http;

    /**
     * @param address the API's base, {@code http://127.0.0.1:7700}
     * @param token   the bearer token; null or empty for none
     * @param caFile  PEM certificates to trust besides the system's, for an https API with a private CA; may be null
     * @throws IllegalArgumentException when the address is not an http or https URL, or the CA file is unusable
     */
    public ApiClient(String address, String token, Path caFile) {
        URI uri;
        try {
            uri = URI.create(address.endsWith("/") ? address.substring(0, address.length() - 1) : address);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--address: '" + address + "' is not a URL: " + e.getMessage());
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                || uri.getHost() == null) {
            throw new IllegalArgumentException("--address: '" + address
                    + "' is not an http(s) URL such as http://127.0.0.1:7700");
        }
        this.base = uri;
        this.token = token == null || token.isBlank() ? null : token.trim();
        HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT);
        if (caFile != null) {
            try {
                http.sslContext(CaTrust.systemAnd(caFile));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--ca-file: " + e.getMessage(), e);
            }
        }
        this.http = http.build();
    }

    public Response get(String path) throws ApiException, ApiUnreachableException {
        return send(request(path, REQUEST_TIMEOUT).GET().build());
    }

    /**
     * A blocking query: answers once the list or object changed beyond {@code index}, or after {@code wait}
     * with the unchanged state.
     */
    public Response watch(String path, long index, Duration wait) throws ApiException, ApiUnreachableException {
        String sep = path.contains("?") ? "&" : "?";
        String query = path + sep + "index=" + index + "&wait=" + wait.toSeconds() + "s";
        return send(request(query, wait.plus(REQUEST_TIMEOUT)).GET().build());
    }

    public Response post(String path, JsonNode body) throws ApiException, ApiUnreachableException {
        return post(path, body.toString().getBytes(StandardCharsets.UTF_8));
    }

    public Response post(String path, byte[] json) throws ApiException, ApiUnreachableException {
        return send(request(path, REQUEST_TIMEOUT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json)).build());
    }

    public Response delete(String path) throws ApiException, ApiUnreachableException {
        return send(request(path, REQUEST_TIMEOUT).DELETE().build());
    }

    /**
     * A streamed answer (followed logs, the event stream): its lines, read until the server ends it or they are
     * closed, and the index the server was at when it began (0 when absent).
     */
    public record LineStream(BufferedReader lines, long index) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            lines.close();
        }
    }

    /** A streamed answer. No timeout: it lasts as long as the caller reads. */
    public LineStream stream(String path) throws ApiException, ApiUnreachableException {
        HttpRequest request = request(path, null).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiUnreachableException("interrupted while calling " + base, e);
        }
        if (response.statusCode() >= 400) {
            byte[] body;
            try (InputStream in = response.body()) {
                body = in.readAllBytes();
            } catch (IOException e) {
                throw unreachable(e);
            }
            throw error(response.statusCode(), body);
        }
        return new LineStream(new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8)),
                index(response));
    }

    /** A path segment or query value, percent-encoded. */
    public static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private HttpRequest.Builder request(String path, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Accept", "application/json");
        if (timeout != null) {
            b.timeout(timeout);
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private Response send(HttpRequest request) throws ApiException, ApiUnreachableException {
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiUnreachableException("interrupted while calling " + base, e);
        }
        if (response.statusCode() >= 400) {
            throw error(response.statusCode(), response.body());
        }
        long index = index(response);
        byte[] body = response.body();
        if (body.length == 0) {
            return new Response(MissingNode.getInstance(), index);
        }
        try {
            return new Response(JSON.readTree(body), index);
        } catch (IOException e) {
            throw new ApiUnreachableException(base + " answered " + request.method() + " " + request.uri().getPath()
                    + " with something that is not JSON; is it a Berth API?", e);
        }
    }

    private static long index(HttpResponse<?> response) {
        return response.headers().firstValue("X-Berth-Index").map(Long::parseLong).orElse(0L);
    }

    private ApiUnreachableException unreachable(IOException e) {
        String where = "cannot reach the Berth API at " + base + ": ";
        if (e instanceof javax.net.ssl.SSLException) {
            return new ApiUnreachableException(where + "TLS failed: " + e.getMessage() + " (an API certificate from a "
                    + "private CA? give its certificate with --ca-file or BERTH_CACERT)", e);
        }
        String why = e instanceof ConnectException ? "connection refused"
                : e instanceof HttpConnectTimeoutException ? "connection timed out"
                : e instanceof HttpTimeoutException ? "no answer in time"
                : String.valueOf(e.getMessage());
        return new ApiUnreachableException(where + why
                + " (is `berth dev` or `berth server` running there? set --address or BERTH_ADDR)", e);
    }

    private static ApiException error(int status, byte[] body) {
        String message = "HTTP " + status;
        List<ApiException.FieldError> errors = new ArrayList<>();
        try {
            JsonNode json = JSON.readTree(body);
            if (json != null && json.hasNonNull("error")) {
                message = json.get("error").asText();
            }
            if (json != null && json.path("errors").isArray()) {
                for (JsonNode e : json.get("errors")) {
                    errors.add(new ApiException.FieldError(e.path("path").asText(""), e.path("message").asText("")));
                }
            }
        } catch (IOException notJson) {
            String text = new String(body, StandardCharsets.UTF_8).strip();
            if (!text.isEmpty()) {
                message = message + ": " + (text.length() > 200 ? text.substring(0, 200) + "..." : text);
            }
        }
        return new ApiException(status, message, errors);
    }
}
