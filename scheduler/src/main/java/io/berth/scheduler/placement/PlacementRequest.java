package io.berth.scheduler.placement;

import java.util.Set;

/**
 * One allocation the reconciler wants placed.
 *
 * @param replaces the allocation it takes over from, or null
 * @param penaltyNodes ids of nodes where its predecessors failed: ranked down
 * @param node for system jobs, the one node it must go to; otherwise null
 */
record PlacementRequest(String group, int index, String replaces, Set<String> penaltyNodes, int rescheduleCount,
        boolean canary, String node) {
    static PlacementRequest fresh(String group, int index) {
        return new PlacementRequest(group, index, null, Set.of(), 0, false, null);
    }
}
