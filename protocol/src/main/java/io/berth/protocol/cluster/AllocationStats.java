package io.berth.protocol.cluster;

import java.time.Instant;

/**
 * An allocation's resource use when the agent read it.
 *
 * @param cpuNanos       CPU time used since the task started, in nanoseconds
 * @param memoryBytes    memory in use now
 * @param memoryMaxBytes the most memory it used (0 where the cgroup version does not keep it)
 * @param pids           processes and threads now
 * @param error          empty unless the stats could not be read (the task is not running, for instance)
 */
public record AllocationStats(String allocationId, long cpuNanos, long memoryBytes, long memoryMaxBytes, long pids,
                              Instant at, String error) implements CborSerializable {
    public AllocationStats {
        error = error == null ? "" : error;
    }
}
