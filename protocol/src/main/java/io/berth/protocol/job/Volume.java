package io.berth.protocol.job;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A mount into the task's root filesystem: a bind mount of a host path, or a named volume the agent keeps.
 *
 * @param source an absolute host path for {@code bind}; a name for {@code volume}
 * @param destination an absolute path inside the container
 * @param readOnly mount read-only (default false)
 */
public record Volume(Type type, String source, String destination, Boolean readOnly) {
    public enum Type {
        @JsonProperty("bind") BIND,
        @JsonProperty("volume") VOLUME
    }

    public Volume {
        type = Copies.or(type, Type.BIND);
        readOnly = Copies.or(readOnly, false);
    }
}
