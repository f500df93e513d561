package io.berth.protocol.cluster;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of an allocation on its agent. Legal transitions:
 * <pre>
 * PENDING   -> PULLING, FAILED, STOPPED
 * PULLING   -> STARTING, FAILED, STOPPED
 * STARTING  -> RUNNING, EXITED, OOM_KILLED, FAILED, STOPPED
 * RUNNING   -> UNHEALTHY, EXITED, OOM_KILLED, FAILED, STOPPED
 * UNHEALTHY -> RUNNING, EXITED, OOM_KILLED, FAILED, STOPPED
 * EXITED    -> STARTING, FAILED, STOPPED      (a restart, or the policy gave up)
 * OOM_KILLED-> STARTING, FAILED, STOPPED
 * FAILED, STOPPED: terminal
 * </pre>
 * {@code UNHEALTHY -> EXITED} is how a restart for a failing health check shows: the agent kills the task,
 * reports how it ended, then {@code STARTING} again.
 */
public enum AllocationState {
    PENDING, PULLING, STARTING, RUNNING, UNHEALTHY, EXITED, OOM_KILLED, FAILED, STOPPED;

    private Set<AllocationState> next() {
        return switch (this) {
            case PENDING -> EnumSet.of(PULLING, FAILED, STOPPED);
            case PULLING -> EnumSet.of(STARTING, FAILED, STOPPED);
            case STARTING -> EnumSet.of(RUNNING, EXITED, OOM_KILLED, FAILED, STOPPED);
            case RUNNING -> EnumSet.of(UNHEALTHY, EXITED, OOM_KILLED, FAILED, STOPPED);
            case UNHEALTHY -> EnumSet.of(RUNNING, EXITED, OOM_KILLED, FAILED, STOPPED);
            case EXITED, OOM_KILLED -> EnumSet.of(STARTING, FAILED, STOPPED);
            case FAILED, STOPPED -> EnumSet.noneOf(AllocationState.class);
        };
    }

    /** True for FAILED and STOPPED, after which nothing happens to the allocation any more. */
    public boolean terminal() {
        return this == FAILED || this == STOPPED;
    }

    /**
     * Checks that an allocation may go from this state to {@code to}.
     *
     * @throws IllegalStateException naming the allocation and both states when it may not
     */
    public AllocationState checkTransition(String allocationId, AllocationState to) {
        if (!next().contains(to)) {
            throw new IllegalStateException("allocation " + allocationId + ": illegal transition " + this + " -> " + to);
        }
        return to;
    }
}
