package io.berth.scheduler.placement;

/**
 * Scores a feasible node for the allocation being placed. Single-threaded, bound to one evaluation and group.
 */
interface Ranker {
    /**
     * A score in [-1, 1], higher is better, or {@code Double.NaN} when this ranker has nothing to say about the
     * node (so that it does not pull the average toward 0). The node's final score is the mean of the rankers'
     * scores, as Nomad normalises.
     */
    double score(int node);
}
