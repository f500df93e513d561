package io.berth.scheduler.placement;

import io.berth.protocol.job.Spread;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Places the allocations of one group, one at a time: feasibility chain, rankers, limit-and-select, preemption as
 * the last resort. Nodes are visited in one seeded random order per evaluation, resumed where the previous
 * placement stopped (Nomad's shuffled static iterator), so a placement looks at a handful of nodes, not all (all the
 * feasible ones when the group has affinities, as in Nomad). With a spread, the nodes are partitioned by the spread
 * attribute and each placement draws from the value furthest below its share, so a spread holds to its targets
 * while the rest of the cluster has room; Nomad instead scores every node for a spread, which at 5,000 nodes costs
 * a hundred times more per placement. Single-threaded.
 */
final class GroupPlacer {
    private static final int MAX_SKIP = 3;

    private final EvalContext ctx;
    private final GroupAsk ask;
    private final FeasibilityCheck[] checks;
    private final Ranker[] rankers;
    private final Rankers.ReschedulePenalty penalty;
    private final SpreadState primary;
    private final List<SpreadState> spreads = new ArrayList<>();
    private final int[] cursor = new int[1];
    // by spread value code; the last entry holds the nodes without the attribute
    private int[][] partitions;
    private int[][] partitionCursors;
    // Within an evaluation a group's feasibility only shrinks (placements take room; stops came first), so a spread
    // value with no feasible node is not searched again.
    private boolean[] exhaustedValues;
    private int[] valueOrder;
    private final int limit;
    private final Metrics metrics = new Metrics();
    private final int[] skipped = new int[MAX_SKIP];
    private final double[] skippedScores = new double[MAX_SKIP];
    private double lastScore;

    GroupPlacer(EvalContext ctx, GroupAsk ask) {
        this.ctx = ctx;
        this.ask = ask;
        this.checks = Checks.chain(ctx, ask);
        // As in Nomad, affinities make every feasible node a candidate: a preferred node may be rare, and a sample
        // of log2 N would miss it. (Spreads need no such thing here: their partitions already steer the sample.)
        this.limit = ask.affinities.isEmpty() ? GroupAsk.limit(ctx.job.type(), ctx.snapshot.size()) : Integer.MAX_VALUE;
        for (Spread s : ask.spreads) {
            spreads.add(new SpreadState(ctx, ask, s));
        }
        this.primary = spreads.isEmpty() ? null : spreads.get(0);
        List<Ranker> r = new ArrayList<>();
        r.add(new Rankers.BinPack(ctx, ask));
        r.add(new Rankers.JobAntiAffinity(ctx, ask));
        penalty = new Rankers.ReschedulePenalty(ctx);
        r.add(penalty);
        if (!ask.affinities.isEmpty()) {
            r.add(new Rankers.NodeAffinity(ctx, ask));
        }
        r.add(new Rankers.ImageLocality(ctx, ask));
        for (SpreadState s : spreads.subList(Math.min(1, spreads.size()), spreads.size())) {
            r.add(new SpreadState.Boost(s));
        }
        this.rankers = r.toArray(new Ranker[0]);
        if (primary != null) {
            // each value's nodes in a random order of their own
            int k = primary.codes.values.length;
            partitions = new int[k + 1][];
            partitionCursors = new int[k + 1][1];
            exhaustedValues = new boolean[k + 1];
            valueOrder = new int[k];
            for (int c = 0; c < k; c++) {
                partitions[c] = Scheduler.shuffle(primary.codes.nodesOf[c].clone(), ctx.random);
            }
            partitions[k] = Scheduler.shuffle(primary.codes.absent.clone(), ctx.random);
        }
    }

    /** The reasons the last failed placement saw, for the plan's failures. */
    Metrics metrics() {
        return metrics;
    }

    /**
     * Places one allocation and records it in the context, evicting lower-priority allocations if nothing else
     * fits; null when it fits nowhere (then {@link #metrics} says why).
     */
    Plan.Placement place(PlacementRequest request) {
        penalty.penalize(request.penaltyNodes());
        metrics.reset();
        int node;
        if (request.node() != null) {
            int pinned = ctx.snapshot.indexOf(request.node());
            node = pinned >= 0 && feasible(pinned) ? pinned : -1;
            lastScore = node >= 0 ? score(node) : 0;
        } else if (primary != null) {
            node = selectBySpread();
        } else {
            node = select(ctx.nodeOrder(), cursor);
        }
        if (node < 0 && metrics.anyExhausted()) {
            node = preempt(request);
        }
        if (node < 0) {
            return null;
        }
        @SuppressWarnings("unchecked")
        Map.Entry<String, Integer>[] ports = new Map.Entry[ask.staticPorts.length + ask.dynamicLabels.length];
        for (int i = 0; i < ask.staticPorts.length; i++) {
            ports[i] = Map.entry(ask.staticLabels[i], ask.staticPorts[i]);
        }
        if (ask.dynamicLabels.length > 0) {
            int[] picked = PortPicker.pick(ctx, node, ask.dynamicLabels.length, ask.staticPorts, ctx.random);
            for (int i = 0; i < picked.length; i++) {
                ports[ask.staticPorts.length + i] = Map.entry(ask.dynamicLabels[i], picked[i]);
            }
        }
        Plan.Placement p = new Plan.Placement(ctx.newAllocationId(), ctx.job.id(), ctx.evaluation.jobVersion(),
                ask.group.name(), request.index(), ctx.job.priority(), ctx.snapshot.node(node).id(), ask.resources,
                Map.ofEntries(ports), request.replaces(), request.rescheduleCount(), request.canary(), lastScore);
        ctx.place(p, node);
        for (SpreadState s : spreads) {
            s.counted(node);
        }
        return p;
    }

    /**
     * Tries the spread's values furthest below their share first; nodes without the attribute come last. When none
     * has room, every node is checked once more so that the failure's explanation covers the whole cluster.
     */
    private int selectBySpread() {
        int k = valueOrder.length, m = 0;
        for (int c = 0; c < k; c++) {
            if (!exhaustedValues[c]) {
                valueOrder[m++] = c;
            }
        }
        // insertion sort (a handful of values): largest deficit, then fewest allocations, then value order
        for (int i = 1; i < m; i++) {
            int c = valueOrder[i], j = i - 1;
            while (j >= 0 && before(c, valueOrder[j])) {
                valueOrder[j + 1] = valueOrder[j];
                j--;
            }
            valueOrder[j + 1] = c;
        }
        for (int i = 0; i <= m; i++) {
            int c = i < m ? valueOrder[i] : k; // the nodes without the attribute come last
            if (exhaustedValues[c]) {
                continue;
            }
            int node = select(partitions[c], partitionCursors[c]);
            if (node >= 0) {
                return node;
            }
            exhaustedValues[c] = true;
        }
        metrics.reset();
        for (int node : ctx.nodeOrder()) {
            feasible(node);
        }
        return -1;
    }

    private boolean before(int a, int b) {
        double da = primary.deficitOf(a), db = primary.deficitOf(b);
        if (da != db) {
            return da > db;
        }
        return primary.countOf(a) != primary.countOf(b) ? primary.countOf(a) < primary.countOf(b) : a < b;
    }

    /**
     * Limit-and-select over {@code nodes} from {@code cursor}: the first {@code limit} feasible nodes are scored
     * (up to {@link #MAX_SKIP} scoring below 0 are set aside, used only if too few others are found) and the best
     * wins, ties to the first seen. The cursor moves past the nodes looked at.
     */
    private int select(int[] nodes, int[] cursor) {
        int n = nodes.length;
        int best = -1, found = 0, skips = 0, seen = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        int start = cursor[0];
        while (seen < n && found < limit) {
            int node = nodes[(start + seen) % n];
            seen++;
            if (!feasible(node)) {
                continue;
            }
            double s = score(node);
            if (s < 0 && skips < MAX_SKIP) {
                skipped[skips] = node;
                skippedScores[skips++] = s;
                continue;
            }
            found++;
            if (s > bestScore) {
                bestScore = s;
                best = node;
            }
        }
        for (int i = 0; i < skips && found < limit; i++, found++) {
            if (skippedScores[i] > bestScore) {
                bestScore = skippedScores[i];
                best = skipped[i];
            }
        }
        cursor[0] = n == 0 ? 0 : (start + seen) % n;
        lastScore = bestScore;
        return best;
    }

    private boolean feasible(int node) {
        metrics.evaluated++;
        for (FeasibilityCheck c : checks) {
            String reason = c.reject(node);
            if (reason != null) {
                metrics.rejected(reason, c.exhaustion());
                return false;
            }
        }
        return true;
    }

    private double score(int node) {
        double sum = 0;
        int n = 0;
        for (Ranker r : rankers) {
            double s = r.score(node);
            if (!Double.isNaN(s)) {
                sum += s;
                n++;
            }
        }
        return n == 0 ? 0 : sum / n;
    }

    /** Evicts the cheapest set of lower-priority allocations that makes room on some node; -1 if none does. */
    private int preempt(PlacementRequest request) {
        Preemptor preemptor = new Preemptor(ctx, ask, checks);
        Preemptor.Choice best = null;
        if (request.node() != null) {
            int pinned = ctx.snapshot.indexOf(request.node());
            best = pinned < 0 ? null : preemptor.evictionsFor(pinned);
        } else {
            for (int node : ctx.nodeOrder()) {
                Preemptor.Choice c = preemptor.evictionsFor(node);
                if (c != null && (best == null || c.cheaperThan(best))) {
                    best = c;
                }
            }
        }
        if (best == null) {
            return -1;
        }
        String by = ctx.job.id() + "." + ask.group.name() + "[" + request.index() + "]";
        for (Allocation a : best.evict()) {
            ctx.stop(a, "preempted by " + by + " (priority " + ctx.job.priority() + ")", true);
        }
        if (!feasible(best.node())) {
            throw new IllegalStateException("preemption freed node " + ctx.snapshot.node(best.node()).id()
                    + " but " + by + " still does not fit");
        }
        lastScore = score(best.node());
        return best.node();
    }
}
