package io.berth.storage.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * Credentials per registry host: the {@code auths} of a Docker-style {@code config.json}, overridden by
 * credentials given on the command line. Immutable and thread-safe once built.
 *
 * <p>A {@code config.json} entry is keyed by a host ({@code ghcr.io}, {@code 127.0.0.1:5000}) or a URL
 * ({@code https://index.docker.io/v1/}); its {@code auth} is base64 of {@code user:password}, or it has
 * {@code username} and {@code password}; an {@code identitytoken} takes precedence over both. Credential helpers
 * ({@code credsStore}) are not run.
 */
public final class CredentialStore {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Credentials> byHost;

    private CredentialStore(Map<String, Credentials> byHost) {
        this.byHost = Map.copyOf(byHost);
    }

    /** A store that knows no credentials. */
    public static CredentialStore empty() {
        return new CredentialStore(Map.of());
    }

    /**
     * Reads a Docker {@code config.json}. A missing file is an empty store.
     *
     * @throws IOException if the file cannot be read, or is not valid JSON, or an entry is malformed (the
     *     message names the file and the entry)
     */
    public static CredentialStore fromDockerConfig(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return empty();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(file + ": not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        Map<String, Credentials> found = new HashMap<>();
        JsonNode auths = root == null ? null : root.get("auths");
        if (auths == null || auths.isNull()) {
            return empty();
        }
        if (!auths.isObject()) {
            throw new IOException(file + ": \"auths\" must be an object of registry host to credentials");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            parseEntry(file, entry.getKey(), entry.getValue()).ifPresent(c -> found.put(normaliseHost(entry.getKey()), c));
        }
        return new CredentialStore(found);
    }

    /** The default Docker config: {@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}. */
    public static Path defaultDockerConfig() {
        String dir = System.getenv("DOCKER_CONFIG");
        return dir != null && !dir.isEmpty() ? Path.of(dir, "config.json")
                : Path.of(System.getProperty("user.home"), ".docker", "config.json");
    }

    /** This store with {@code credentials} for {@code registry} taking precedence over what it had. */
    public CredentialStore with(String registry, Credentials credentials) {
        Map<String, Credentials> copy = new HashMap<>(byHost);
        copy.put(normaliseHost(registry), credentials);
        return new CredentialStore(copy);
    }

    /** The credentials for a registry host as written in a reference ({@code docker.io} for Docker Hub). */
    public Optional<Credentials> forRegistry(String registry) {
        return Optional.ofNullable(byHost.get(normaliseHost(registry)));
    }

    private static Optional<Credentials> parseEntry(Path file, String key, JsonNode entry) throws IOException {
        String where = file + ": auths[\"" + key + "\"]";
        if (!entry.isObject()) {
            throw new IOException(where + " must be an object with \"auth\" or \"username\"/\"password\"");
        }
        JsonNode identity = entry.get("identitytoken");
        if (identity != null && !identity.asText().isEmpty()) {
            return Optional.of(new Credentials(Credentials.IDENTITY_TOKEN_USER, "", identity.asText()));
        }
        JsonNode auth = entry.get("auth");
        if (auth != null && !auth.asText().isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.asText().trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IOException(where + ".auth is not valid base64 (" + e.getMessage() + ")", e);
            }
            int colon = decoded.indexOf(':');
            if (colon <= 0) {
                throw new IOException(where + ".auth must be base64 of 'user:password'");
            }
            return Optional.of(new Credentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
        }
        JsonNode user = entry.get("username");
        JsonNode password = entry.get("password");
        if (user != null && password != null) {
            return Optional.of(new Credentials(user.asText(), password.asText()));
        }
        // An entry with neither (written by `docker login` with a credential helper) holds nothing for us.
        return Optional.empty();
    }

    /** Maps {@code https://index.docker.io/v1/}, {@code index.docker.io} and friends to one key per host. */
    static String normaliseHost(String key) {
        String host = key.trim();
        if (host.contains("://")) {
            URI uri = URI.create(host);
            host = uri.getPort() > 0 ? uri.getHost() + ":" + uri.getPort() : uri.getHost();
        }
        int slash = host.indexOf('/');
        if (slash >= 0) {
            host = host.substring(0, slash);
        }
        host = host.toLowerCase(java.util.Locale.ROOT);
        if (host.equals("index.docker.io") || host.equals(ImageReference.DOCKER_HUB_API_HOST)) {
            return ImageReference.DOCKER_HUB;
        }
        return host;
    }
}
