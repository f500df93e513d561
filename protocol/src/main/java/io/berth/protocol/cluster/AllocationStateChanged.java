package io.berth.protocol.cluster;

import java.time.Instant;
import java.util.Objects;

/**
 * An agent's report that an allocation changed state, sent to the scheduler it registered with (and to whoever
 * else asked in the {@link AssignAllocation}).
 *
 * @param allocationId the allocation
 * @param state        its new state
 * @param exitCode     for EXITED and OOM_KILLED, the exit code (128 + signal when killed); null otherwise
 * @param detail       why, for people: the failure reason, the failing health check...; never null, may be empty
 * @param at           when the agent saw it
 */
public record AllocationStateChanged(String allocationId, AllocationState state, Integer exitCode, String detail,
                                     Instant at) implements SchedulerCommand {
    public AllocationStateChanged {
        Objects.requireNonNull(allocationId, "allocationId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(at, "at");
        detail = detail == null ? "" : detail;
    }
}
