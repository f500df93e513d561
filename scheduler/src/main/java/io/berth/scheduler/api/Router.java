package io.berth.scheduler.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/**
 * The route table: every route the API serves, with the access it needs. It resolves a request to a route and
 * its path parameters, tells 404 (no such path) from 405 (the path exists, the method not), and is the list the
 * OpenAPI document is checked against. Immutable and thread-safe.
 */
final class Router {
    /** What a route requires of the caller's token when the API has tokens. */
    enum Access {
        /** No token: health checks. */
        OPEN,
        /** Any token. */
        READ,
        /** A management token. */
        WRITE
    }

    /** Answers one request. May throw {@link ApiException}; may return a failed stage with one. */
    @FunctionalInterface
    interface Handler {
        CompletionStage<HttpResponse> handle(Call call) throws Exception;
    }

    /**
     * One route.
     *
     * @param template the path, with {@code {name}} for a parameter segment: {@code /v1/jobs/{id}/versions}
     */
    record Route(HttpMethod method, String template, Access access, Handler handler) {
        Route {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(template, "template");
            Objects.requireNonNull(access, "access");
            Objects.requireNonNull(handler, "handler");
        }
    }

    /** What a request resolved to. */
    sealed interface Resolution {}

    record Found(Route route, Map<String, String> params) implements Resolution {}

    record MethodNotAllowed(List<String> allowed) implements Resolution {}

    record NotFound() implements Resolution {}

    /** A route with its template split into segments once, not on every request. */
    private record Compiled(Route route, List<String> segments) {}

    private final List<Route> routes;
    private final List<Compiled> compiled;

    Router(List<Route> routes) {
        this.routes = List.copyOf(routes);
        List<Compiled> compiled = new ArrayList<>(routes.size());
        for (Route route : this.routes) {
            compiled.add(new Compiled(route, segmentsOf(route.template())));
        }
        this.compiled = List.copyOf(compiled);
    }

    List<Route> routes() {
        return routes;
    }

    /** Resolves {@code path} (decoded segments, no query) for {@code method}. */
    Resolution resolve(HttpMethod method, List<String> path) {
        List<String> segments = path.isEmpty() || !path.get(path.size() - 1).isEmpty() ? path
                : path.subList(0, path.size() - 1); // a trailing slash names the same resource
        TreeSet<String> allowed = new TreeSet<>();
        Found best = null;
        int bestLiterals = -1;
        for (Compiled candidate : compiled) {
            Route route = candidate.route();
            if (!matches(candidate.segments(), segments)) {
                continue;
            }
            if (!route.method().equals(method)) {
                allowed.add(route.method().name());
                continue;
            }
            Map<String, String> params = params(candidate.segments(), segments);
            int literals = candidate.segments().size() - params.size();
            if (literals > bestLiterals) { // a literal segment beats a parameter
                best = new Found(route, params);
                bestLiterals = literals;
            }
        }
        if (best != null) {
            return best;
        }
        return allowed.isEmpty() ? new NotFound() : new MethodNotAllowed(new ArrayList<>(allowed));
    }

    /** Whether {@code path} fits {@code template}: the same literals, a non-empty segment for each parameter. */
    private static boolean matches(List<String> template, List<String> path) {
        if (template.size() != path.size()) {
            return false;
        }
        for (int i = 0; i < template.size(); i++) {
            String t = template.get(i);
            String p = path.get(i);
            if (isParameter(t) ? p.isEmpty() : !t.equals(p)) {
                return false;
            }
        }
        return true;
    }

    /** The parameters of a {@code path} that {@link #matches} {@code template}, by name. */
    private static Map<String, String> params(List<String> template, List<String> path) {
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < template.size(); i++) {
            String t = template.get(i);
            if (isParameter(t)) {
                params.put(t.substring(1, t.length() - 1), path.get(i));
            }
        }
        return params;
    }

    private static boolean isParameter(String segment) {
        return segment.startsWith("{") && segment.endsWith("}");
    }

    private static List<String> segmentsOf(String template) {
        List<String> segments = new ArrayList<>(List.of(template.split("/", -1)));
        segments.remove(0); // the empty string before the leading slash
        return segments;
    }
}
