package io.berth.scheduler.api;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How the API listens and whom it lets in.
 *
 * @param host         the address to bind; beyond loopback, {@code tokens} must not be empty
 * @param port         the port; 0 picks a free one
 * @param tokens       the bearer tokens accepted; empty means no authentication (loopback only)
 * @param maxBodyBytes request bodies above this size are answered 413
 * @param askTimeout   how long a request waits for the job store or scheduler
 * @param maxWait      the longest wait a blocking query may ask for
 */
public record ApiSettings(String host, int port, List<ApiToken> tokens, long maxBodyBytes, Duration askTimeout,
                          Duration maxWait) {
    public ApiSettings {
        Objects.requireNonNull(host, "host");
        tokens = List.copyOf(tokens);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("berth.api.port must be 0..65535, was " + port);
        }
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("berth.api.max-body-size must be at least 1KiB, was " + maxBodyBytes);
        }
        Objects.requireNonNull(askTimeout, "askTimeout");
        Objects.requireNonNull(maxWait, "maxWait");
    }

    /** Loopback only, no tokens, the default limits: what {@code berth dev} and tests use. */
    public static ApiSettings loopback(int port) {
        return fromConfig(ConfigFactory.parseString("berth.api.port = " + port));
    }

    /**
     * Reads {@code berth.api} from {@code config}, with the defaults of {@code defaults.conf} behind it.
     *
     * @throws IllegalArgumentException naming the setting (or token file and line) that is wrong
     */
    public static ApiSettings fromConfig(Config config) {
        Config api = config.withFallback(ConfigFactory.parseResources(ApiSettings.class, "defaults.conf"))
                .getConfig("berth.api");
        try {
            List<ApiToken> tokens = new ArrayList<>();
            int i = 0;
            for (Config token : api.getConfigList("tokens")) {
                try {
                    tokens.add(new ApiToken(token.getString("secret"), Role.parse(token.getString("role"))));
                } catch (IllegalArgumentException | ConfigException e) {
                    throw new IllegalArgumentException("berth.api.tokens[" + i + "]: " + e.getMessage(), e);
                }
                i++;
            }
            String file = api.getString("tokens-file");
            if (!file.isEmpty()) {
                tokens.addAll(readTokens(Path.of(file)));
            }
            return new ApiSettings(api.getString("host"), api.getInt("port"), tokens,
                    api.getBytes("max-body-size"), api.getDuration("ask-timeout"), api.getDuration("max-wait"));
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * Reads a token file: one {@code <role> <secret>} per line, blank lines and {@code #} comments skipped.
     *
     * @throws IllegalArgumentException naming the file and line that is wrong
     */
    public static List<ApiToken> readTokens(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("berth.api.tokens-file " + file + ": cannot read: " + e, e);
        }
        List<ApiToken> tokens = new ArrayList<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            try {
                if (parts.length != 2) {
                    throw new IllegalArgumentException("expected \"<role> <secret>\"");
                }
                tokens.add(new ApiToken(parts[1], Role.parse(parts[0])));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + " line " + (n + 1) + ": " + e.getMessage(), e);
            }
        }
        return tokens;
    }

    /** Whether {@code host} is a loopback address (only this machine can connect). */
    public boolean loopback() {
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("berth.api.host: unknown host " + host, e);
        }
    }

    /** These settings with other tokens. */
    public ApiSettings withTokens(List<ApiToken> tokens) {
        return new ApiSettings(host, port, tokens, maxBodyBytes, askTimeout, maxWait);
    }

    /** These settings on another address. */
    public ApiSettings withAddress(String host, int port) {
        return new ApiSettings(host, port, tokens, maxBodyBytes, askTimeout, maxWait);
    }
}
