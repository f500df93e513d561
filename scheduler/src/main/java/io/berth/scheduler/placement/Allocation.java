package io.berth.scheduler.placement;

import java.util.List;

/**
 * One instance of a job's group bound to a node, as the scheduler last heard of it. Immutable.
 *
 * @param index the instance number within the group, 0..count-1 (it names the allocation: {@code web.frontend[2]})
 * @param hostPorts every host port the allocation holds on its node, static and dynamic
 * @param healthy true once its checks passed for the update's min_healthy_time; false if it failed them; null
 *     while unknown
 * @param previousAllocation the allocation this one replaced (a failed, lost or outdated one), or null
 * @param rescheduleCount how many reschedules led to this allocation
 */
public record Allocation(
        String id,
        String jobId,
        long jobVersion,
        String group,
        int index,
        int priority,
        String nodeId,
        Capacity resources,
        List<Integer> hostPorts,
        Status status,
        Boolean healthy,
        boolean canary,
        String previousAllocation,
        int rescheduleCount) {

    /**
     * The client status. PENDING -> RUNNING -> COMPLETE | FAILED; any non-terminal -> LOST when its node is
     * declared down.
     */
    public enum Status {
        PENDING, RUNNING, COMPLETE, FAILED, LOST;

        /** True when the allocation holds no resources any more. */
        public boolean terminal() {
            return this == COMPLETE || this == FAILED || this == LOST;
        }
    }

    public Allocation {
        hostPorts = List.copyOf(hostPorts);
    }

    /** The readable name, {@code job.group[index]}. */
    public String name() {
        return jobId + "." + group + "[" + index + "]";
    }

    /** This allocation with another status and health. */
    public Allocation with(Status newStatus, Boolean newHealthy) {
        return new Allocation(id, jobId, jobVersion, group, index, priority, nodeId, resources, hostPorts, newStatus,
                newHealthy, canary, previousAllocation, rescheduleCount);
    }
}
