package io.berth.scheduler.placement;

import io.berth.protocol.job.TaskGroup;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Turns an evaluation into a plan over one cluster snapshot: the {@link Reconciler} decides what to stop and what
 * to place, then each group's placements go through its {@link GroupPlacer}. Pure: the snapshot is not changed
 * (apply the plan with {@link ClusterSnapshot#apply}); the same snapshot, evaluation and seed give the same plan.
 * Not thread-safe: one instance per thread (it owns its {@link Random}).
 */
public final class Scheduler {
    private final ClusterSnapshot snapshot;
    private final Random random;

    /**
     * @param random the only source of randomness (node order, allocation ids, dynamic ports): seed it to replay
     */
    public Scheduler(ClusterSnapshot snapshot, Random random) {
        this.snapshot = snapshot;
        this.random = random;
    }

    /**
     * Plans the evaluation. Allocations that fit nowhere are reported per group in {@link Plan#failures()}; the
     * plan is still returned with everything that did fit.
     *
     * @param evaluation a validated job; its groups' allocations in the snapshot are what it reconciles
     */
    public Plan process(Evaluation evaluation) {
        EvalContext ctx = new EvalContext(snapshot, evaluation, random);
        Reconciler.Result decisions = new Reconciler(snapshot, evaluation).reconcile();
        for (Reconciler.StopDecision stop : decisions.stops()) {
            ctx.stop(stop.allocation(), stop.reason(), false);
        }
        Map<String, List<PlacementRequest>> byGroup = new LinkedHashMap<>();
        for (PlacementRequest r : decisions.placements()) {
            byGroup.computeIfAbsent(r.group(), g -> new ArrayList<>()).add(r);
        }
        List<Plan.Failure> failures = new ArrayList<>();
        for (Map.Entry<String, List<PlacementRequest>> e : byGroup.entrySet()) {
            TaskGroup group = evaluation.job().group(e.getKey());
            GroupPlacer placer = new GroupPlacer(ctx, new GroupAsk(evaluation.job(), group));
            int unplaced = 0;
            Plan.Failure failure = null;
            for (PlacementRequest request : e.getValue()) {
                if (failure != null && request.node() == null) {
                    unplaced++; // the same ask already fit nowhere: do not search again
                    continue;
                }
                if (placer.place(request) == null) {
                    if (request.node() != null && !placer.metrics().anyExhausted()) {
                        continue; // a system job's node that its constraints rule out: nothing is missing there
                    }
                    unplaced++;
                    failure = placer.metrics().failure(e.getKey(), 0);
                }
            }
            if (failure != null) {
                failures.add(new Plan.Failure(failure.group(), unplaced, failure.nodesEvaluated(), failure.filtered(),
                        failure.exhausted()));
            }
        }
        return ctx.plan(failures);
    }

    /** Fisher-Yates, in place; returns its argument. */
    static int[] shuffle(int[] a, Random random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
