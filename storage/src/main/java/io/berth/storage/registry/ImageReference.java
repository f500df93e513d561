package io.berth.storage.registry;

import io.berth.protocol.oci.image.Digest;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An image reference {@code [registry/]repository[:tag][@digest]}, normalised as Docker does: a first
 * path component without a dot, a colon or the name {@code localhost} is not a registry, so the reference
 * lives on {@code docker.io}, and a one-component Docker Hub name gets {@code library/} in front
 * ({@code busybox} is {@code docker.io/library/busybox:latest}).
 *
 * <p>Immutable and thread-safe. {@link #parse} never returns null and throws {@link InvalidReferenceException}
 * naming what is wrong.
 *
 * @param registry the registry host, with its port if any ({@code docker.io}, {@code 127.0.0.1:5000})
 * @param repository the repository path inside the registry ({@code library/busybox})
 * @param tag the tag, or null when the reference names only a digest
 * @param digest the manifest digest, or null
 */
public record ImageReference(String registry, String repository, String tag, Digest digest) {

    /** The registry that names without one refer to. */
    public static final String DOCKER_HUB = "docker.io";
    /** The host that serves Docker Hub's registry API. */
    public static final String DOCKER_HUB_API_HOST = "registry-1.docker.io";

    private static final String DEFAULT_TAG = "latest";
    private static final int MAX_NAME_LENGTH = 255;
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern HOST =
            Pattern.compile("(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
                    + "|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?");

    public ImageReference {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(repository, "repository");
        if (tag == null && digest == null) {
            throw new IllegalArgumentException("an image reference needs a tag or a digest");
        }
    }

    /**
     * Parses a reference as a user types it. A reference with neither tag nor digest gets {@code :latest}.
     *
     * @throws InvalidReferenceException naming the part of {@code text} that is wrong
     */
    public static ImageReference parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidReferenceException(String.valueOf(text), "the reference is empty");
        }
        String rest = text.trim();
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            try {
                digest = Digest.parse(rest.substring(at + 1));
            } catch (IllegalArgumentException e) {
                throw new InvalidReferenceException(text, e.getMessage());
            }
            rest = rest.substring(0, at);
        }
        String tag = null;
        int lastSlash = rest.lastIndexOf('/');
        int colon = rest.lastIndexOf(':');
        if (colon > lastSlash) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw new InvalidReferenceException(text, "'" + tag + "' is not a valid tag"
                        + " (letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-')");
            }
        }
        if (rest.isEmpty()) {
            throw new InvalidReferenceException(text, "the repository name is missing");
        }
        String registry;
        String path;
        int slash = rest.indexOf('/');
        String first = slash < 0 ? rest : rest.substring(0, slash);
        if (slash >= 0 && (first.contains(".") || first.contains(":") || first.equals("localhost") || first.startsWith("["))) {
            registry = first;
            path = rest.substring(slash + 1);
            if (!HOST.matcher(registry).matches()) {
                throw new InvalidReferenceException(text, "'" + registry + "' is not a valid registry host[:port]");
            }
        } else {
            registry = DOCKER_HUB;
            path = rest;
        }
        registry = registry.toLowerCase(Locale.ROOT);
        if (registry.equals("index.docker.io") || registry.equals(DOCKER_HUB_API_HOST)) {
            registry = DOCKER_HUB;
        }
        if (registry.equals(DOCKER_HUB) && !path.contains("/")) {
            path = "library/" + path;
        }
        for (String component : path.split("/", -1)) {
            if (!COMPONENT.matcher(component).matches()) {
                String why = component.isEmpty() ? "an empty path component"
                        : !component.equals(component.toLowerCase(Locale.ROOT)) ? "'" + component + "' has upper-case letters (repository names are lowercase)"
                        : "'" + component + "' is not a valid path component (lowercase letters and digits, separated by '.', '_', '__' or '-')";
                throw new InvalidReferenceException(text, "the repository name has " + why);
            }
        }
        if (registry.length() + 1 + path.length() > MAX_NAME_LENGTH) {
            throw new InvalidReferenceException(text, "the name is longer than " + MAX_NAME_LENGTH + " characters");
        }
        if (tag == null && digest == null) {
            tag = DEFAULT_TAG;
        }
        return new ImageReference(registry, path, tag, digest);
    }

    /** The same repository at {@code newDigest}, keeping the tag for display. */
    public ImageReference withDigest(Digest newDigest) {
        return new ImageReference(registry, repository, tag, newDigest);
    }

    /** What the registry API calls the reference: the digest when there is one, else the tag. */
    public String apiReference() {
        return digest != null ? digest.toString() : tag;
    }

    /** {@code registry/repository}, the name without tag or digest. */
    public String name() {
        return registry + "/" + repository;
    }

    /** The host that serves a registry's API: {@code registry-1.docker.io} for Docker Hub, else the registry itself. */
    public static String apiHost(String registry) {
        return registry.equals(DOCKER_HUB) ? DOCKER_HUB_API_HOST : registry;
    }

    /** The fully qualified reference, {@code registry/repository[:tag][@digest]}. */
    @Override
    public String toString() {
        return name() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }
}
