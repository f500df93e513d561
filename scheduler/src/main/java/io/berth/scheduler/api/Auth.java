package io.berth.scheduler.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;

/**
 * Bearer-token authorization. Tokens are held only as SHA-256 digests and looked up by the digest of what the
 * client sent, so the comparison does not leak how much of a token was right. With no tokens configured every
 * request is let in (the server refuses that beyond loopback). Thread-safe.
 */
final class Auth {
    private final Map<String, Role> roles;

    Auth(List<ApiToken> tokens) {
        this.roles = tokens.stream().collect(Collectors.toUnmodifiableMap(t -> digest(t.secret()), ApiToken::role,
                (a, b) -> a == Role.MANAGEMENT || b == Role.MANAGEMENT ? Role.MANAGEMENT : Role.READ_ONLY));
    }

    boolean enabled() {
        return !roles.isEmpty();
    }

    /**
     * Checks a request against what its route needs.
     *
     * @return empty when allowed; otherwise the 401 or 403 to answer with
     */
    Optional<ApiException> check(HttpRequest request, Router.Access access) {
        if (!enabled() || access == Router.Access.OPEN) {
            return Optional.empty();
        }
        Optional<String> header = request.getHeader("Authorization").map(HttpHeader::value);
        if (header.isEmpty()) {
            return Optional.of(new ApiException(401, "this API needs a token: send the header "
                    + "'Authorization: Bearer <token>' with a management or read-only token (berth --token, BERTH_TOKEN)"));
        }
        String value = header.get();
        if (!value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.of(new ApiException(401, "the Authorization header must be 'Bearer <token>'"));
        }
        Role role = roles.get(digest(value.substring(7).strip()));
        if (role == null) {
            return Optional.of(new ApiException(401, "the token is not valid for this cluster"));
        }
        if (access == Router.Access.WRITE && role != Role.MANAGEMENT) {
            return Optional.of(new ApiException(403, "a read-only token cannot " + request.method().name() + " "
                    + request.getUri().path() + ": it needs a management token"));
        }
        return Optional.empty();
    }

    private static String digest(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
