package io.berth.protocol.cluster;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * An agent's periodic report to the schedulers: what its allocations reserve and which images it holds (the
 * scheduler prefers nodes that already have a task's image).
 *
 * @param node           the agent's node name
 * @param usedCpuMhz     the CPU its unfinished allocations reserve
 * @param usedMemoryMb   the memory they reserve
 * @param allocations    how many unfinished allocations it has
 * @param images         every image in its store, both as the name it is stored under (the image store's form,
 *                       {@code docker.io/library/busybox:1.36}) and as its manifest (or index) digest
 *                       ({@code sha256:...}), so a task's normalised reference or a pinned digest matches; sorted,
 *                       no duplicates; never null
 * @param at             when the agent made the report
 * @param hostPortsInUse host ports that something other than the agent's allocations uses on the node (a listening
 *                       socket on the host), as {@link PortRanges} text; the scheduler gives none of them out. ""
 *                       for none, and when an older agent omits it
 */
public record NodeStatus(String node, int usedCpuMhz, long usedMemoryMb, int allocations, List<String> images,
                         Instant at, String hostPortsInUse) implements CborSerializable {
    public NodeStatus {
        Objects.requireNonNull(node, "node");
        images = List.copyOf(images);
        Objects.requireNonNull(at, "at");
        hostPortsInUse = hostPortsInUse == null ? "" : hostPortsInUse;
    }

    /** A report with no host ports in use by others. */
    public NodeStatus(String node, int usedCpuMhz, long usedMemoryMb, int allocations, List<String> images,
                      Instant at) {
        this(node, usedCpuMhz, usedMemoryMb, allocations, images, at, "");
    }
}
