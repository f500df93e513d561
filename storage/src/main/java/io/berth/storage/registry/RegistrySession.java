package io.berth.storage.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLHandshakeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP conversation with one registry endpoint (the registry itself or one of its mirrors): picks HTTPS or,
 * where allowed, plain HTTP; authenticates with Bearer tokens or Basic as the registry's challenges ask; follows
 * redirects without sending credentials to another host; retries 5xx, 429 and failed connections with backoff.
 *
 * <p>Thread-safe: many downloads share one session and its tokens.
 */
final class RegistrySession {

    private static final Logger log = LoggerFactory.getLogger(RegistrySession.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_REDIRECTS = 5;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    /** How long the HTTPS probe of a registry that may use plain HTTP waits for a TLS answer. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    /** A token is renewed this long before the registry said it expires. */
    private static final Duration TOKEN_MARGIN = Duration.ofSeconds(10);

    /**
     * One request. {@code target} is a path and query below the endpoint ({@code /v2/...}) or an absolute URL
     * the registry gave (an upload {@code Location}). Only {@code idempotent} requests are retried here.
     */
    record Call(String method, String target, List<String> scopes, Map<String, String> headers,
                Supplier<HttpRequest.BodyPublisher> body, boolean idempotent) {

        static Call get(String target, List<String> scopes, Map<String, String> headers) {
            return new Call("GET", target, scopes, headers, null, true);
        }

        static Call head(String target, List<String> scopes, Map<String, String> headers) {
            return new Call("HEAD", target, scopes, headers, null, true);
        }
    }

    private record Token(String value, Instant renewAt) { }

    private final String registry;
    private final String hostPort;
    private final RegistryHost config;
    private final Optional<Credentials> credentials;
    private final HttpClient client;
    private final RetryPolicy retry;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private volatile URI base;
    private volatile AuthChallenge bearer;
    private volatile boolean basic;

    /**
     * @param registry the registry as written in references, for messages and credentials
     * @param endpoint {@code host[:port]} or {@code scheme://host[:port]} to talk to
     */
    RegistrySession(String registry, String endpoint, RegistryHost config, Optional<Credentials> credentials,
                    HttpClient client, RetryPolicy retry) {
        this.registry = registry;
        this.config = config;
        this.credentials = credentials;
        this.client = client;
        this.retry = retry;
        if (endpoint.contains("://")) {
            URI uri = URI.create(endpoint);
            this.hostPort = uri.getRawAuthority();
            if (uri.getScheme().equals("http") && !config.allowsPlainHttp(hostPort)) {
                throw new IllegalArgumentException("refusing plain HTTP to " + endpoint
                        + ": only loopback registries or ones marked insecure may use it");
            }
            this.base = URI.create(uri.getScheme() + "://" + hostPort);
        } else {
            this.hostPort = endpoint;
        }
    }

    /** The endpoint as {@code host[:port]}. */
    String hostPort() {
        return hostPort;
    }

    /**
     * {@code GET /v2/}: checks that the endpoint speaks the distribution API and learns how it authenticates.
     * The first call picks the scheme: HTTPS, or plain HTTP when the endpoint allows it and HTTPS fails.
     */
    void ping() throws IOException {
        URI uri = base();
        HttpResponse<InputStream> response = send(Call.get("/v2/", List.of(), Map.of()));
        try (InputStream body = response.body()) {
            int status = response.statusCode();
            if (status == 404) {
                throw new RegistryException(uri + "/v2/ answered 404: " + hostPort + " does not serve the OCI distribution API", 404, null);
            }
            if (status / 100 != 2) {
                throw error(response, "GET " + uri + "/v2/");
            }
        }
    }

    /** The base URL, probing HTTPS and (where allowed) plain HTTP on the first call. */
    URI base() throws IOException {
        URI known = base;
        if (known != null) {
            return known;
        }
        synchronized (this) {
            if (base != null) {
                return base;
            }
            URI https = URI.create("https://" + hostPort);
            if (!config.allowsPlainHttp(hostPort)) {
                base = https;
                return https;
            }
            try {
                HttpResponse<Void> probe = client.send(HttpRequest.newBuilder(https.resolve("/v2/"))
                        .timeout(PROBE_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.discarding());
                log.debug("{} answered {} over HTTPS", hostPort, probe.statusCode());
                base = https;
            } catch (SSLHandshakeException e) {
                // A TLS server whose certificate we do not trust: falling back to plain HTTP would be a downgrade.
                throw new RegistryException("TLS handshake with registry " + hostPort + " failed: " + e.getMessage()
                        + " (if it uses a private CA, give its certificate with --ca-file)", e);
            } catch (java.net.ConnectException e) {
                // Nothing listens (yet): decide nothing; the caller's retries probe again.
                throw e;
            } catch (IOException e) {
                // The server answered the TLS hello in plain HTTP, or not at all: it does not speak TLS.
                log.debug("{} does not speak HTTPS ({}); using plain HTTP as it is loopback or insecure", hostPort, e.toString());
                base = URI.create("http://" + hostPort);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while probing " + hostPort);
            }
            return base;
        }
    }

    /**
     * Sends a request and returns the response with its body unread: the caller closes the body. Statuses other
     * than 401 on the first try, redirects, 5xx and 429 are handed back as they are; 5xx and 429 only once the
     * retries are spent (for non-idempotent calls: at once).
     *
     * @throws RegistryException.Unauthorized if the registry or its token endpoint refuses the credentials
     * @throws RegistryException if the endpoint cannot be reached after the retries
     */
    HttpResponse<InputStream> send(Call call) throws IOException {
        int attempts = call.idempotent() ? retry.maxAttempts() : 1;
        IOException last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            if (attempt > 1) {
                sleep(retry.backoff(attempt - 1));
            }
            try {
                HttpResponse<InputStream> response = exchange(call);
                int status = response.statusCode();
                if ((status >= 500 || status == 429) && attempt < attempts) {
                    log.info("{} {} answered {}; retrying (attempt {} of {})", call.method(), call.target(), status, attempt + 1, attempts);
                    response.body().close();
                    continue;
                }
                return response;
            } catch (RegistryException e) {
                throw e;
            } catch (InterruptedIOException e) {
                throw e;
            } catch (SSLHandshakeException e) {
                throw new RegistryException("TLS handshake with registry " + hostPort + " failed: " + e.getMessage()
                        + " (if it uses a private CA, give its certificate with --ca-file)", e);
            } catch (IOException e) {
                last = e;
                log.info("{} {} on {} failed: {}; {}", call.method(), call.target(), hostPort, e.toString(),
                        attempt < attempts ? "retrying" : "giving up");
            }
        }
        throw new RegistryException("cannot reach registry " + hostPort + " (" + call.method() + " " + call.target()
                + ") after " + attempts + " attempt(s): " + last, last);
    }

    private HttpResponse<InputStream> exchange(Call call) throws IOException {
        URI origin = base();
        URI uri = call.target().contains("://") ? URI.create(call.target()) : origin.resolve(call.target());
        boolean authRetried = false;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            boolean sameOrigin = sameOrigin(uri, origin);
            HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT)
                    .method(call.method(), call.body() == null ? HttpRequest.BodyPublishers.noBody() : call.body().get());
            call.headers().forEach(builder::setHeader);
            String authorization = sameOrigin ? authorization(call.scopes()) : null;
            if (authorization != null) {
                builder.setHeader("Authorization", authorization);
            }
            HttpResponse<InputStream> response = sendRaw(builder.build());
            int status = response.statusCode();
            if (status == 401 && sameOrigin) {
                List<AuthChallenge> challenges = AuthChallenge.parse(response.headers().allValues("WWW-Authenticate"));
                String detail = errorDetail(response);
                if (authRetried) {
                    throw refused(call, status, detail);
                }
                learn(challenges, call);
                authRetried = true;
                hop--;
                continue;
            }
            if (status == 403 && sameOrigin) {
                throw refused(call, status, errorDetail(response));
            }
            if (isRedirect(status)) {
                String location = response.headers().firstValue("Location").orElse(null);
                response.body().close();
                if (location == null) {
                    throw new RegistryException(call.method() + " " + uri + " answered " + status + " without a Location", status, null);
                }
                URI next = uri.resolve(location);
                if (uri.getScheme().equals("https") && next.getScheme().equals("http")
                        && !config.allowsPlainHttp(next.getRawAuthority())) {
                    throw new RegistryException("registry " + hostPort + " redirected " + call.method() + " " + call.target()
                            + " from HTTPS to plain HTTP (" + next + "); refusing the downgrade", status, null);
                }
                log.debug("{} {} redirected to {}", call.method(), uri, sameOrigin(next, origin) ? next : next.getHost() + " (no credentials sent)");
                uri = next;
                continue;
            }
            return response;
        }
        throw new RegistryException(call.method() + " " + call.target() + " on " + hostPort + ": more than "
                + MAX_REDIRECTS + " redirects", 0, null);
    }

    private HttpResponse<InputStream> sendRaw(HttpRequest request) throws IOException {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted: " + request.method() + " " + request.uri());
        }
    }

    private void learn(List<AuthChallenge> challenges, Call call) throws IOException {
        for (AuthChallenge c : challenges) {
            if (c.scheme().equals("bearer") && c.param("realm") != null) {
                bearer = c;
                // The token we sent (if any) was refused: expired, or too narrow. Ask for one that covers both what
                // this request names and what the registry's challenge says it needs, and keep it for the request.
                tokens.put(tokenKey(new TreeSet<>(call.scopes())), fetchToken(c, scopes(call.scopes(), c)));
                return;
            }
        }
        for (AuthChallenge c : challenges) {
            if (c.scheme().equals("basic")) {
                if (credentials.isEmpty()) {
                    throw new RegistryException.Unauthorized("registry " + registry + " requires authentication for "
                            + call.method() + " " + call.target() + ": no credentials given (use --username/--password"
                            + " or add them to the Docker config.json)", 401);
                }
                basic = true;
                return;
            }
        }
        throw new RegistryException.Unauthorized("registry " + registry + " answered 401 to " + call.method() + " "
                + call.target() + " with no usable WWW-Authenticate challenge (got " + challenges + ")", 401);
    }

    private RegistryException refused(Call call, int status, String detail) {
        String who = credentials.map(c -> "user '" + c.username() + "'").orElse("anonymous access (no credentials given)");
        return new RegistryException.Unauthorized("registry " + registry + " refused " + call.method() + " "
                + call.target() + " for " + who + ": HTTP " + status + (detail.isEmpty() ? "" : " " + detail)
                + "; check the credentials and that they grant " + String.join(", ", call.scopes()), status);
    }

    private String authorization(List<String> scopes) throws IOException {
        AuthChallenge challenge = bearer;
        if (challenge != null) {
            return "Bearer " + token(challenge, scopes);
        }
        if (basic && credentials.isPresent()) {
            return credentials.get().basicHeader();
        }
        return null;
    }

    private static TreeSet<String> scopes(List<String> requested, AuthChallenge challenge) {
        TreeSet<String> all = new TreeSet<>(requested);
        String fromChallenge = challenge.param("scope");
        if (fromChallenge != null && !fromChallenge.isEmpty()) {
            all.addAll(List.of(fromChallenge.split(" ")));
        }
        return all;
    }

    private static String tokenKey(TreeSet<String> scopes) {
        return String.join(" ", scopes);
    }

    private String token(AuthChallenge challenge, List<String> requested) throws IOException {
        String key = tokenKey(new TreeSet<>(requested));
        Token cached = tokens.get(key);
        if (cached != null && Instant.now().isBefore(cached.renewAt())) {
            return cached.value();
        }
        Token fresh = fetchToken(challenge, new TreeSet<>(requested));
        tokens.put(key, fresh);
        return fresh.value();
    }

    private Token fetchToken(AuthChallenge challenge, TreeSet<String> scopes) throws IOException {
        URI realm;
        try {
            realm = URI.create(challenge.param("realm"));
        } catch (IllegalArgumentException e) {
            throw new RegistryException("registry " + registry + " named an invalid token realm '" + challenge.param("realm") + "'", e);
        }
        if (!"https".equals(realm.getScheme()) && !("http".equals(realm.getScheme()) && config.allowsPlainHttp(realm.getRawAuthority()))) {
            throw new RegistryException("registry " + registry + " asks for credentials at " + realm
                    + ", which is not HTTPS; refusing to send them there (mark the registry insecure if this is intended)");
        }
        StringBuilder query = new StringBuilder();
        if (challenge.param("service") != null) {
            query.append("service=").append(URLEncoder.encode(challenge.param("service"), StandardCharsets.UTF_8));
        }
        for (String scope : scopes) {
            query.append(query.length() > 0 ? "&" : "").append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
        }
        HttpRequest.Builder builder;
        String identityToken = credentials.map(Credentials::identityToken).orElse(null);
        if (identityToken != null) {
            // OAuth2 refresh-token grant (the Docker token spec's POST form), for identity tokens from docker login
            String form = "grant_type=refresh_token&client_id=berth"
                    + "&refresh_token=" + URLEncoder.encode(identityToken, StandardCharsets.UTF_8)
                    + (challenge.param("service") == null ? "" : "&service=" + URLEncoder.encode(challenge.param("service"), StandardCharsets.UTF_8))
                    + (scopes.isEmpty() ? "" : "&scope=" + URLEncoder.encode(String.join(" ", scopes), StandardCharsets.UTF_8));
            builder = HttpRequest.newBuilder(realm).timeout(REQUEST_TIMEOUT)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form));
        } else {
            URI uri = URI.create(realm + (query.length() == 0 ? "" : (realm.getRawQuery() == null ? "?" : "&") + query));
            builder = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).GET();
            if (credentials.isPresent()) {
                builder.setHeader("Authorization", credentials.get().basicHeader());
            }
        }
        Instant asked = Instant.now();
        HttpResponse<InputStream> response = null;
        IOException last = null;
        for (int attempt = 1; attempt <= retry.maxAttempts() && response == null; attempt++) {
            if (attempt > 1) {
                sleep(retry.backoff(attempt - 1));
            }
            try {
                response = sendRaw(builder.build());
                if (response.statusCode() >= 500 && attempt < retry.maxAttempts()) {
                    response.body().close();
                    response = null;
                }
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                last = e;
            }
        }
        if (response == null) {
            throw new RegistryException("cannot reach the token endpoint " + realm + " of registry " + registry + ": " + last, last);
        }
        try (InputStream body = response.body()) {
            byte[] bytes = body.readNBytes(1 << 20);
            int status = response.statusCode();
            if (status == 401 || status == 403) {
                String who = credentials.map(c -> "the credentials of user '" + c.username() + "'").orElse("anonymous access");
                throw new RegistryException.Unauthorized("the token endpoint " + realm + " of registry " + registry + " refused "
                        + who + " for " + String.join(" ", scopes) + ": HTTP " + status + "; check the user name and password", status);
            }
            if (status != 200) {
                throw new RegistryException("the token endpoint " + realm + " of registry " + registry + " answered HTTP " + status
                        + ": " + new String(bytes, StandardCharsets.UTF_8).strip(), status, null);
            }
            JsonNode json;
            try {
                json = JSON.readTree(bytes);
            } catch (IOException e) {
                throw new RegistryException("the token endpoint " + realm + " answered something that is not JSON", e);
            }
            JsonNode token = json.hasNonNull("token") ? json.get("token") : json.get("access_token");
            if (token == null || token.asText().isEmpty()) {
                throw new RegistryException("the token endpoint " + realm + " answered without a token");
            }
            long expiresIn = json.path("expires_in").asLong(60);
            Instant renewAt = asked.plusSeconds(Math.max(expiresIn, 60)).minus(TOKEN_MARGIN);
            return new Token(token.asText(), renewAt);
        }
    }

    /**
     * A {@link RegistryException} for an unexpected answer, with the registry's error codes and messages from
     * the body; closes the body. 404 becomes {@link RegistryException.NotFound}.
     */
    RegistryException error(HttpResponse<InputStream> response, String what) {
        String detail = errorDetail(response);
        int status = response.statusCode();
        String message = what + " on registry " + registry + " answered HTTP " + status + (detail.isEmpty() ? "" : ": " + detail);
        return status == 404 ? new RegistryException.NotFound(message) : new RegistryException(message, status, null);
    }

    private static String errorDetail(HttpResponse<InputStream> response) {
        try (InputStream body = response.body()) {
            byte[] bytes = body.readNBytes(64 * 1024);
            if (bytes.length == 0) {
                return "";
            }
            try {
                JsonNode errors = JSON.readTree(bytes).path("errors");
                if (errors.isArray() && errors.size() > 0) {
                    StringBuilder out = new StringBuilder();
                    for (JsonNode e : errors) {
                        out.append(out.length() > 0 ? "; " : "").append(e.path("code").asText("?")).append(" ").append(e.path("message").asText(""));
                    }
                    return out.toString().strip();
                }
            } catch (IOException notJson) {
                // fall through to the raw text
            }
            String text = new String(bytes, StandardCharsets.UTF_8).strip();
            return text.length() > 200 ? text.substring(0, 200) + "..." : text;
        } catch (IOException e) {
            return "";
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost().toLowerCase(Locale.ROOT).equals(b.getHost().toLowerCase(Locale.ROOT))
                && port(a) == port(b);
    }

    private static int port(URI uri) {
        return uri.getPort() != -1 ? uri.getPort() : uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    private static void sleep(Duration delay) throws InterruptedIOException {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to retry");
        }
    }
}
