package io.berth.scheduler.api;

import io.berth.protocol.job.Durations;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.Query;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.util.ByteString;

/**
 * One request on its way through a route: its path parameters, its query, its body (read once, within the size
 * limit). Parameters are checked here so every route names a bad one the same way.
 */
final class Call {
    /** Job ids, node names and allocation ids: what {@code JobValidator} allows for names. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    private final HttpRequest request;
    private final Map<String, String> params;
    private final Query query;
    private final Materializer materializer;
    private final long maxBodyBytes;
    private final Duration bodyTimeout;

    Call(HttpRequest request, Map<String, String> params, Materializer materializer, long maxBodyBytes,
         Duration bodyTimeout) {
        this.request = request;
        this.params = params;
        this.query = request.getUri().query();
        this.materializer = materializer;
        this.maxBodyBytes = maxBodyBytes;
        this.bodyTimeout = bodyTimeout;
    }

    HttpRequest request() {
        return request;
    }

    /**
     * A path parameter that names something (a job id, node name, allocation id).
     *
     * @throws ApiException 400 when it is not a valid name
     */
    String id(String name) {
        return checkId(name, params.get(name));
    }

    /**
     * Checks a name given as parameter {@code name}.
     *
     * @throws ApiException 400 when it is not a valid name
     */
    static String checkId(String name, String value) {
        if (value == null || !ID.matcher(value).matches()) {
            throw ApiException.badRequest(name, "invalid " + name.replace('_', ' ') + " '" + value
                    + "': use 1 to 128 letters, digits, '-', '_' or '.', starting with a letter or digit");
        }
        return value;
    }

    Optional<String> query(String name) {
        return query.get(name).filter(v -> !v.isEmpty());
    }

    List<String> queryAll(String name) {
        return query.getAll(name);
    }

    /** A whole-number query parameter at least {@code min}, or {@code fallback} when absent. */
    long longQuery(String name, long fallback, long min) {
        Optional<String> text = query(name);
        if (text.isEmpty()) {
            return fallback;
        }
        try {
            long value = Long.parseLong(text.get());
            if (value < min) {
                throw ApiException.badRequest(name, "must be at least " + min + ", was " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name, "'" + text.get() + "' is not a whole number");
        }
    }

    /** A {@code true}/{@code false} query parameter, {@code fallback} when absent. */
    boolean booleanQuery(String name, boolean fallback) {
        Optional<String> text = query(name);
        if (text.isEmpty()) {
            return fallback;
        }
        return switch (text.get()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ApiException.badRequest(name, "'" + text.get() + "' must be true or false");
        };
    }

    /** A duration query parameter ({@code 30s}, {@code 5m}), or {@code fallback} when absent. */
    Duration durationQuery(String name, Duration fallback) {
        Optional<String> text = query(name);
        if (text.isEmpty()) {
            return fallback;
        }
        try {
            return Durations.parse(text.get());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(name, e.getMessage());
        }
    }

    /**
     * The whole body.
     *
     * @return a stage that fails with {@code EntityStreamSizeException} when the body exceeds the limit
     */
    CompletionStage<byte[]> body() {
        // The size limit is the entity's (withSizeLimit: 413), so toStrict is given none of its own; without one it
        // reads pekko.http.parsing.max-to-strict-bytes from the config on every call, and that lookup threw and
        // caught an exception each time.
        return ApiContext.onDispatcher(request.entity().withSizeLimit(maxBodyBytes)
                .toStrict(bodyTimeout.toMillis(), Long.MAX_VALUE, materializer), materializer.executionContext())
                .thenApply(strict -> strict.getData().toArray());
    }

    /** The body read as {@code type} (a record), strictly. */
    <T> CompletionStage<T> body(Class<T> type) {
        return body().thenApply(bytes -> ApiJson.read(bytes, type));
    }

    /** Whether the body is YAML (by its content type) rather than JSON. */
    boolean yamlBody() {
        String type = request.entity().getContentType().mediaType().toString();
        return type.endsWith("yaml") || type.endsWith("yml");
    }

    static ByteString utf8(String text) {
        return ByteString.fromString(text);
    }
}
