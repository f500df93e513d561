package io.berth.protocol.cluster;

import java.util.Map;
import java.util.Objects;

/**
 * One allocation an agent holds, as it reports them all when it registers: a new scheduler leader rebuilds its
 * view of what runs where from these.
 *
 * @param exitCode for EXITED and OOM_KILLED, the exit code; null otherwise
 * @param detail    why, for people; never null
 * @param placement the scheduler's facts the agent was given with the allocation, unchanged; never null
 *                  ({@link AllocationPlacement#NONE} when it was given none)
 */
public record AllocationReport(String allocationId, String jobId, long jobVersion, String taskGroup,
                               AllocationState state, Integer exitCode, String detail, Map<String, Integer> hostPorts,
                               AllocationPlacement placement)
        implements CborSerializable {
    public AllocationReport {
        Objects.requireNonNull(allocationId, "allocationId");
        Objects.requireNonNull(state, "state");
        detail = detail == null ? "" : detail;
        hostPorts = hostPorts == null ? Map.of() : Map.copyOf(hostPorts);
        Objects.requireNonNull(placement, "placement (use AllocationPlacement.NONE when it is unknown)");
    }
}
