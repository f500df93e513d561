package io.berth.scheduler.placement;

import io.berth.protocol.job.Spread;
import io.berth.protocol.job.SpreadTarget;
import java.util.Arrays;

/**
 * How a group's allocations fall over the values of a spread attribute, against how they should: each target
 * value's percent of the group's count, the unclaimed percent shared evenly by the values without a target, or an
 * even share per value when there are no targets. Values are the attribute's codes ({@link AttributeCodes}); counts
 * follow the plan as it grows. Single-threaded.
 */
final class SpreadState {
    final Spread spread;
    final AttributeCodes codes;
    private final double[] desired;
    private final int[] counts;

    SpreadState(EvalContext ctx, GroupAsk ask, Spread spread) {
        this.spread = spread;
        ClusterSnapshot s = ctx.snapshot;
        this.codes = s.codes(spread.attribute());
        int k = codes.values.length;
        desired = new double[k];
        counts = new int[k];
        int count = ask.group.count();
        if (spread.targets().isEmpty()) {
            Arrays.fill(desired, k == 0 ? 0 : (double) count / k);
        } else {
            boolean[] targeted = new boolean[k];
            int claimed = 0, untargeted = k;
            for (SpreadTarget t : spread.targets()) {
                claimed += t.percent();
                int c = codes.codeOf(t.value());
                if (c >= 0) {
                    desired[c] = count * t.percent() / 100.0;
                    targeted[c] = true;
                    untargeted--;
                }
            }
            for (int c = 0; c < k; c++) {
                if (!targeted[c]) {
                    desired[c] = count * (100 - claimed) / 100.0 / untargeted;
                }
            }
        }
        for (Allocation a : s.allocationsOf(ctx.job.id())) {
            if (a.group().equals(ask.group.name()) && !a.status().terminal() && !ctx.isStopped(a.id())) {
                counted(s.indexOf(a.nodeId()));
            }
        }
        for (Plan.Placement p : ctx.placements) {
            if (p.group().equals(ask.group.name())) {
                counted(s.indexOf(p.nodeId()));
            }
        }
    }

    /** Records one more allocation of the group on the node. */
    void counted(int node) {
        int c = codes.codeOf[node];
        if (c >= 0) {
            counts[c]++;
        }
    }

    /** How many allocations of the group hold the value. */
    int count(String value) {
        int c = codes.codeOf(value);
        return c < 0 ? 0 : counts[c];
    }

    /** How many allocations the value should get; 0 for a value nothing is meant for. */
    double desired(String value) {
        int c = codes.codeOf(value);
        return c < 0 ? 0 : desired[c];
    }

    int countOf(int code) {
        return counts[code];
    }

    /** How far the value is below its share (negative when above). */
    double deficitOf(int code) {
        return desired[code] - counts[code];
    }

    /**
     * Nomad's spread boost for a secondary spread: {@code (desired - count) / desired}, -1 for a value nothing is
     * meant for, scaled by the spread's weight.
     */
    static final class Boost implements Ranker {
        private final SpreadState state;

        Boost(SpreadState state) {
            this.state = state;
        }

        @Override
        public double score(int node) {
            int c = state.codes.codeOf[node];
            double want = c < 0 ? 0 : state.desired[c];
            double boost = want <= 0 ? -1 : Math.max(-1, Math.min(1, (want - state.counts[c]) / want));
            return boost * state.spread.weight() / 100.0;
        }
    }
}
