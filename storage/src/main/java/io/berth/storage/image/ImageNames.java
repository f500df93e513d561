package io.berth.storage.image;

import java.util.regex.Pattern;

/** Validates the names images are stored under (the distribution-spec reference grammar, tag or digest required). */
final class ImageNames {

    private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    private static final String DOMAIN = "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
            + "(?::[0-9]+)?|\\[[0-9a-fA-F:]+\\](?::[0-9]+)?)";
    private static final Pattern NAME = Pattern.compile(
            "(?:" + DOMAIN + "/)?" + COMPONENT + "(?:/" + COMPONENT + ")*"
                    + "(?::[\\w][\\w.-]{0,127})?(?:@sha(?:256:[a-f0-9]{64}|512:[a-f0-9]{128}))?");
    private static final Pattern CONTAINER_ID = Pattern.compile("[A-Za-z0-9_.-]{1,128}");

    private ImageNames() {
    }

    static String validate(String name) {
        if (name == null || name.length() > 512 || !NAME.matcher(name).matches()
                || !(name.lastIndexOf(':') > name.lastIndexOf('/') || name.contains("@"))) {
            throw new IllegalArgumentException("image name '" + name + "' is not a valid reference: expected"
                    + " [registry/]repository:tag or [registry/]repository@sha256:<hex>, lowercase repository,"
                    + " e.g. docker.io/library/busybox:1.36");
        }
        return name;
    }

    static String validateContainerId(String id) {
        if (id == null || !CONTAINER_ID.matcher(id).matches() || id.equals(".") || id.equals("..")) {
            throw new IllegalArgumentException("container id '" + id + "': use 1-128 characters of [A-Za-z0-9_.-]");
        }
        return id;
    }
}
