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
 * @param imageDigests   the manifest (or index) digest of every image in its store, sorted; never null
 * @param at             when the agent made the report
 */
public record NodeStatus(String node, int usedCpuMhz, long usedMemoryMb, int allocations, List<String> imageDigests,
                         Instant at) implements CborSerializable {
    public NodeStatus {
        Objects.requireNonNull(node, "node");
        imageDigests = List.copyOf(imageDigests);
        Objects.requireNonNull(at, "at");
    }
}
