package io.berth.scheduler.placement;

import io.berth.protocol.job.Spread;
import io.berth.protocol.job.SpreadTarget;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How a group's allocations fall over the values of a spread attribute, against how they should: each target
 * value's percent of the group's count, the unclaimed percent shared evenly by the values without a target, or an
 * even share per value when there are no targets. Counts follow the plan as it grows. Single-threaded.
 */
final class SpreadState {
    final Spread spread;
    private final Map<String, Double> desired = new HashMap<>();
    private final Map<String, Integer> counts = new HashMap<>();
    private final String[] valueOf;

    SpreadState(EvalContext ctx, GroupAsk ask, Spread spread) {
        this.spread = spread;
        ClusterSnapshot s = ctx.snapshot;
        valueOf = s.attributeColumn(spread.attribute());
        Set<String> values = new LinkedHashSet<>(s.partition(spread.attribute()).keySet());
        values.remove("");
        int count = ask.group.count();
        if (spread.targets().isEmpty()) {
            values.forEach(v -> desired.put(v, (double) count / values.size()));
        } else {
            int claimed = 0;
            for (SpreadTarget t : spread.targets()) {
                desired.put(t.value(), count * t.percent() / 100.0);
                claimed += t.percent();
            }
            List<String> rest = new ArrayList<>(values);
            rest.removeIf(desired::containsKey);
            for (String v : rest) {
                desired.put(v, count * (100 - claimed) / 100.0 / rest.size());
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

    /** The node's value of the attribute, or null. */
    String valueOf(int node) {
        return valueOf[node];
    }

    /** Records one more allocation of the group on the node. */
    void counted(int node) {
        String v = valueOf[node];
        if (v != null) {
            counts.merge(v, 1, Integer::sum);
        }
    }

    int count(String value) {
        return counts.getOrDefault(value, 0);
    }

    /** How many allocations the value should get; 0 for a value nothing is meant for. */
    double desired(String value) {
        return desired.getOrDefault(value, 0.0);
    }

    /** How far the value is below its share (negative when above). */
    double deficit(String value) {
        return desired(value) - count(value);
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
            String v = state.valueOf(node);
            double want = v == null ? 0 : state.desired(v);
            double boost = want <= 0 ? -1 : Math.max(-1, Math.min(1, (want - state.count(v)) / want));
            return boost * state.spread.weight() / 100.0;
        }
    }
}
