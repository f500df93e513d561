package io.berth.scheduler.control;

import io.berth.protocol.cluster.AllocationPlacement;
import io.berth.protocol.cluster.AllocationState;
import io.berth.scheduler.placement.Allocation;
import io.berth.scheduler.placement.Capacity;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * What the singleton knows of one allocation. Mutable, confined to the singleton's actor.
 *
 * <p>{@link #status} is the engine's client status, derived from the agent's {@link #state}: PENDING, PULLING,
 * STARTING and a restart (EXITED, OOM_KILLED) are PENDING; RUNNING and UNHEALTHY are RUNNING; FAILED is FAILED;
 * a batch task that exited 0 is COMPLETE; STOPPED without a stop asked is LOST, as is everything on a node
 * declared down. An allocation the scheduler stopped ({@link #desiredStop}) or replaced ({@link #replacedBy}) no
 * longer counts for the engine.
 */
final class AllocEntry {
    static final int HISTORY = 10;

    final String id;
    final String jobId;
    /** Moves forward when a new job version leaves the allocation's tasks unchanged (an in-place update). */
    long jobVersion;
    /** The version the agent was given (what it reports), which an in-place update leaves. */
    final long assignedVersion;
    final String group;
    int index;
    final int priority;
    final String node;
    Capacity resources;
    Map<String, Integer> ports;
    final boolean canary;
    /** The deployment that placed it, or null. */
    final String deploymentId;
    final String previousAllocation;
    final int rescheduleCount;
    /** When each reschedule that led to it happened, oldest first: what a reschedule policy's attempts count. */
    final List<Instant> rescheduledAt;
    final Instant createdAt;

    AllocationState state = AllocationState.PENDING;
    Allocation.Status status = Allocation.Status.PENDING;
    Boolean healthy;
    Integer exitCode;
    String detail = "";
    boolean desiredStop;
    String replacedBy;
    Instant modifiedAt;
    /** When it last became RUNNING, to tell a stale health timer from a current one. */
    Instant runningSince;
    /** When it failed, for the reschedule delay. */
    Instant failedAt;
    /**
     * For a failed allocation, the reschedules that led to it within its policy's interval: what the policy's
     * attempts count (Nomad's rule), rather than every reschedule the slot ever had.
     */
    int reschedulesInInterval;
    final Deque<SchedulerApi.AllocationEvent> events = new ArrayDeque<>();
    /** What the engine's snapshot holds for it now, or null. */
    Allocation presented;

    AllocEntry(String id, String jobId, long jobVersion, String group, int index, int priority, String node,
               Capacity resources, Map<String, Integer> ports, boolean canary, String deploymentId,
               String previousAllocation, int rescheduleCount, List<Instant> rescheduledAt, Instant createdAt) {
        this.id = id;
        this.jobId = jobId;
        this.jobVersion = jobVersion;
        this.assignedVersion = jobVersion;
        this.group = group;
        this.index = index;
        this.priority = priority;
        this.node = node;
        this.resources = resources;
        this.ports = Map.copyOf(ports);
        this.canary = canary;
        this.deploymentId = deploymentId;
        this.previousAllocation = previousAllocation;
        this.rescheduleCount = rescheduleCount;
        this.rescheduledAt = List.copyOf(rescheduledAt);
        this.createdAt = createdAt;
        this.modifiedAt = createdAt;
    }

    /** Not ended and not to be stopped: it holds its slot. */
    boolean live() {
        return !desiredStop && replacedBy == null && !status.terminal();
    }

    /** The allocation as the engine should see it, or null when it no longer counts. */
    Allocation present() {
        if (desiredStop || replacedBy != null) {
            return null;
        }
        // resources are unknown only for an allocation adopted before its job's spec arrived
        return new Allocation(id, jobId, jobVersion, group, index, priority, node,
                resources == null ? Capacity.ZERO : resources,
                List.copyOf(ports.values()), status, healthy, canary, previousAllocation,
                status == Allocation.Status.FAILED ? reschedulesInInterval : rescheduleCount);
    }

    /** The facts an agent keeps for it and reports back to a new singleton after a failover. */
    AllocationPlacement placement() {
        return new AllocationPlacement(index, canary, deploymentId, previousAllocation, rescheduledAt);
    }

    void record(AllocationState s, String why, Instant at) {
        events.addLast(new SchedulerApi.AllocationEvent(s, why, at));
        while (events.size() > HISTORY) {
            events.removeFirst();
        }
        modifiedAt = at;
    }

    String name() {
        return jobId + "." + group + "[" + index + "]";
    }
}
