package io.berth.scheduler.api;

import java.util.Locale;

/** What a token may do: {@code management} reads and writes, {@code read-only} only reads. */
public enum Role {
    MANAGEMENT, READ_ONLY;

    /** The name a token file or config writes: {@code management} or {@code read-only}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Reads a role's config name.
     *
     * @throws IllegalArgumentException naming the value and the allowed ones
     */
    public static Role parse(String text) {
        for (Role role : values()) {
            if (role.configName().equals(text)) {
                return role;
            }
        }
        throw new IllegalArgumentException("unknown role '" + text + "' (allowed: management, read-only)");
    }
}
