package io.berth.runtime.cgroup;

/**
 * A snapshot of a container cgroup's counters, shaped like runc's {@code events --stats}. A counter the host
 * does not offer (its controller is not mounted or not enabled) reads 0; a limit that is not set reads -1.
 */
public record CgroupStats(Cpu cpu, Memory memory, Pids pids) {

    /**
     * CPU time in nanoseconds and CFS throttling.
     *
     * @param usageTotal total CPU time consumed by all tasks
     * @param usageUser time in user mode
     * @param usageKernel time in kernel mode
     * @param throttlingPeriods enforcement periods that have elapsed
     * @param throttledPeriods periods in which the group was throttled
     * @param throttledTime total time throttled, nanoseconds
     */
    public record Cpu(long usageTotal, long usageUser, long usageKernel, long throttlingPeriods,
            long throttledPeriods, long throttledTime) {}

    /**
     * Memory in bytes.
     *
     * @param usage current usage (v1 {@code memory.usage_in_bytes}, v2 {@code memory.current})
     * @param limit the hard limit, -1 when unlimited
     * @param maxUsage the high-water mark (v1 {@code memory.max_usage_in_bytes}, v2 {@code memory.peak})
     * @param cache page cache (v1 {@code total_cache}, v2 {@code file} of {@code memory.stat})
     */
    public record Memory(long usage, long limit, long maxUsage, long cache) {}

    /**
     * @param current tasks in the cgroup
     * @param limit {@code pids.max}, -1 when unlimited
     */
    public record Pids(long current, long limit) {}
}
