package io.berth.scheduler.placement;

/**
 * One question about a node: can it take one more allocation of the group being placed, given the snapshot and
 * the plan so far? Implementations are cheap, allocation-free on the hot path, single-threaded, and bound to one
 * evaluation and group at construction ({@link Checks}).
 */
interface FeasibilityCheck {
    /**
     * Null when the node passes; otherwise a short reason, the same String instance for the same cause, that
     * explanations count nodes by (a constraint as written, "node down", "memory", "port 80" ...).
     */
    String reject(int node);

    /**
     * True for checks on resources the node has run out of (CPU, memory, disk, ports), which preemption can free;
     * false for filters no eviction changes (constraints, node state).
     */
    default boolean exhaustion() {
        return false;
    }
}
