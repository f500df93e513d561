package io.berth.runtime;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * What {@code state.json} in a container's state directory holds: what the kernel cannot tell later.
 * {@code pid} is 0 while the container is being created; {@code pidStartTime} (field 22 of
 * /proc/&lt;pid&gt;/stat) tells the init from a later process that reused its pid.
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
        Map<String, String> annotations) {

    StoredState withPid(int newPid, long startTime) {
        return new StoredState(ociVersion, id, newPid, startTime, bundle, rootfs, created, cgroupsPath, annotations);
    }
}
