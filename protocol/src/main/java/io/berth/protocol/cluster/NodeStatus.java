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
 */
public record NodeStatus(String node, int usedCpuMhz, long usedMemoryMb, int allocations, List<String> images,
                         Instant at) implements CborSerializable {
    public NodeStatus {
        Objects.requireNonNull(node, "node");
        images = List.copyOf(images);
        Objects.requireNonNull(at, "at");
    }
}
