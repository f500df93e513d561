package io.berth.storage.registry;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How to reach one registry: whether plain HTTP is allowed, which CA to trust, and which mirrors to try first
 * when pulling.
 *
 * <p>HTTPS with the system CAs is the default. Plain HTTP is used only for a loopback registry or one marked
 * {@code insecure}, and even then HTTPS is tried first. An insecure registry's HTTPS certificate is still
 * verified: "insecure" only permits the fallback to plain HTTP.
 *
 * @param registry the registry host as written in references ({@code docker.io}, {@code 127.0.0.1:5000})
 * @param insecure whether plain HTTP may be used for this non-loopback registry
 * @param caBundle a PEM file of CA certificates trusted for this registry in addition to the system ones, or null
 * @param mirrors endpoints tried before the registry itself on pulls, as {@code host[:port]} or
 *     {@code http(s)://host[:port]}; never null
 */
public record RegistryHost(String registry, boolean insecure, Path caBundle, List<String> mirrors) {

    public RegistryHost {
        Objects.requireNonNull(registry, "registry");
        mirrors = List.copyOf(mirrors);
    }

    /** The defaults for {@code registry}: HTTPS, system CAs, no mirrors. */
    public static RegistryHost defaults(String registry) {
        return new RegistryHost(registry, false, null, List.of());
    }

    /** Whether plain HTTP may be used for the API host {@code hostPort}: loopback or marked insecure. */
    public boolean allowsPlainHttp(String hostPort) {
        return insecure || isLoopback(hostPort);
    }

    /** Whether {@code hostPort} names this machine ({@code localhost}, {@code 127.0.0.0/8}, {@code ::1}). */
    public static boolean isLoopback(String hostPort) {
        String host = URI.create("http://" + hostPort).getHost();
        if (host == null) {
            return false;
        }
        host = host.toLowerCase(Locale.ROOT);
        if (host.equals("localhost")) {
            return true;
        }
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        }
        // Only literal addresses: resolving a name here would let DNS decide what is "local".
        if (!host.matches("[0-9.]+|[0-9a-f:]+")) {
            return false;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
