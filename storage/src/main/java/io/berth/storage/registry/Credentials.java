package io.berth.storage.registry;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * A user name and password (or token) for one registry, or an identity token: the OAuth2 refresh token that
 * {@code docker login} stores for registries that issue one (the token endpoint is then asked with a
 * {@code refresh_token} grant instead of Basic credentials).
 *
 * @param username the user name, never null ({@code <token>} for an identity token, as Docker writes it)
 * @param password the password or personal access token, never null; not printed by {@link #toString()}
 * @param identityToken the refresh token, or null; not printed by {@link #toString()}
 */
public record Credentials(String username, String password, String identityToken) {

    /** The user name Docker pairs with an identity token. */
    public static final String IDENTITY_TOKEN_USER = "<token>";

    public Credentials {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    /** A user name and a password (or personal access token). */
    public Credentials(String username, String password) {
        this(username, password, null);
    }

    /** The value of an {@code Authorization: Basic ...} header for these credentials. */
    public String basicHeader() {
        return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "Credentials[username=" + username + ", password=***" + (identityToken != null ? ", identityToken=***" : "") + "]";
    }
}
