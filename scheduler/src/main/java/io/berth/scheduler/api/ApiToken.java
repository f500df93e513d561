package io.berth.scheduler.api;

import java.util.Objects;

/**
 * A bearer token the API accepts and the role it grants.
 *
 * @param secret what clients send as {@code Authorization: Bearer <secret>}; at least 16 characters
 * @param role   what it may do
 */
public record ApiToken(String secret, Role role) {
    /** Tokens shorter than this are refused: they could be guessed. */
    public static final int MIN_LENGTH = 16;

    public ApiToken {
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(role, "role");
        if (secret.length() < MIN_LENGTH || secret.chars().anyMatch(c -> c <= ' ' || c > '~')) {
            throw new IllegalArgumentException("a " + role.configName() + " token must be at least " + MIN_LENGTH
                    + " printable ASCII characters without spaces");
        }
    }

    @Override
    public String toString() {
        return "ApiToken[" + role.configName() + "]";
    }
}
