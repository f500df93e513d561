package io.berth.runtime;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.berth.protocol.oci.runtime.RuntimeSpec;
import java.util.Map;

/**
 * What {@code state.json} in a container's state directory holds: what the kernel cannot tell later, and
 * the config.json the container was created from (so the bundle may change or go). It is written once, when
 * the init exists; a state directory without it belongs to a container being created ({@link #creating}).
 * {@code pidStartTime} (field 22 of /proc/&lt;pid&gt;/stat) tells the init from a later process that reused
 * its pid.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record StoredState(
        String ociVersion,
        String id,
        int pid,
        long pidStartTime,
        String bundle,
        String rootfs,
        String created,
        String cgroupsPath,
        Map<String, String> annotations,
        RuntimeSpec config) {

    /** What is known of a container whose state.json is not written yet. */
    static StoredState creating(String id) {
        return new StoredState(null, id, 0, 0, null, null, null, null, null, null);
    }

    StoredState withPid(int newPid, long startTime) {
        return new StoredState(ociVersion, id, newPid, startTime, bundle, rootfs, created, cgroupsPath, annotations,
                config);
    }
}
