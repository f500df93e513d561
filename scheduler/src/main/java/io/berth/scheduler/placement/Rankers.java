package io.berth.scheduler.placement;

import io.berth.protocol.job.Affinity;
import java.util.List;
import java.util.Set;

/** The rankers: bin-packing, job anti-affinity, reschedule penalty, node affinity, image locality. */
final class Rankers {
    private Rankers() {}

    /**
     * Nomad's bin-packing fit: nodes left fullest after the placement score highest, which keeps whole nodes free
     * for big allocations. With {@code freeCpu} and {@code freeMem} the fractions left free afterwards, the raw
     * score {@code 20 - (10^freeCpu + 10^freeMem)} runs from 0 (empty) to 18 (full) and is scaled to [0, 1].
     */
    static final class BinPack implements Ranker {
        private final EvalContext ctx;
        private final Capacity ask;

        BinPack(EvalContext ctx, GroupAsk ask) {
            this.ctx = ctx;
            this.ask = ask.resources;
        }

        @Override
        public double score(int node) {
            double cpuTotal = ctx.snapshot.allocatableCpu(node);
            double memTotal = ctx.snapshot.allocatableMemory(node);
            double freeCpu = cpuTotal <= 0 ? 0 : (ctx.freeCpu(node) - ask.cpuMhz()) / cpuTotal;
            double freeMem = memTotal <= 0 ? 0 : (ctx.freeMemory(node) - ask.memoryMb()) / memTotal;
            double raw = 20 - (Math.pow(10, freeCpu) + Math.pow(10, freeMem));
            return Math.max(0, Math.min(18, raw)) / 18;
        }
    }

    /**
     * Keeps a group's allocations apart: a node already running {@code c} of them scores {@code -(c+1)/count}, as
     * in Nomad, so losing a node loses fewer instances. No opinion on nodes running none.
     */
    static final class JobAntiAffinity implements Ranker {
        private final int[] running;
        private final int desired;

        JobAntiAffinity(EvalContext ctx, GroupAsk ask) {
            this.running = ctx.groupCounts(ask.group.name());
            this.desired = Math.max(1, ask.group.count());
        }

        @Override
        public double score(int node) {
            int c = running[node];
            return c == 0 ? Double.NaN : Math.max(-1, -(double) (c + 1) / desired);
        }
    }

    /** -1 for the nodes where the allocation being replaced failed, so a reschedule moves elsewhere if it can. */
    static final class ReschedulePenalty implements Ranker {
        private final EvalContext ctx;
        private Set<String> penalized = Set.of();

        ReschedulePenalty(EvalContext ctx) {
            this.ctx = ctx;
        }

        /** The node ids to penalise for the next placement. */
        void penalize(Set<String> nodeIds) {
            this.penalized = nodeIds;
        }

        @Override
        public double score(int node) {
            return !penalized.isEmpty() && penalized.contains(ctx.snapshot.node(node).id()) ? -1 : Double.NaN;
        }
    }

    /**
     * The group's and job's affinities: the weights of those the node matches over the sum of all weights'
     * magnitudes, in [-1, 1]. Computed once per node, since attributes do not change within an evaluation.
     */
    static final class NodeAffinity implements Ranker {
        private final ClusterSnapshot snapshot;
        private final List<Affinity> affinities;
        private final AttributeMatcher[] matchers;
        private final double totalWeight;
        private final double[] memo;
        private final boolean[] known;

        NodeAffinity(EvalContext ctx, GroupAsk ask) {
            this.snapshot = ctx.snapshot;
            this.affinities = ask.affinities;
            this.matchers = affinities.stream().map(a -> ctx.snapshot.matcher(a.operator(), a.value()))
                    .toArray(AttributeMatcher[]::new);
            this.totalWeight = affinities.stream().mapToInt(a -> Math.abs(a.weight())).sum();
            this.memo = new double[ctx.snapshot.size()];
            this.known = new boolean[ctx.snapshot.size()];
        }

        @Override
        public double score(int node) {
            if (!known[node]) {
                double sum = 0;
                Node n = snapshot.node(node);
                for (int i = 0; i < matchers.length; i++) {
                    if (matchers[i].matches(n.attribute(affinities.get(i).attribute()))) {
                        sum += affinities.get(i).weight();
                    }
                }
                memo[node] = sum == 0 ? Double.NaN : sum / totalWeight;
                known[node] = true;
            }
            return memo[node];
        }
    }

    /**
     * The share of the group's images the node already holds: starting there skips a pull. No opinion on a node
     * that holds none.
     */
    static final class ImageLocality implements Ranker {
        private final ClusterSnapshot snapshot;
        private final List<String> images;
        private final byte[][] memos; // per image and node: 0 unknown, 1 held, 2 not

        ImageLocality(EvalContext ctx, GroupAsk ask) {
            this.snapshot = ctx.snapshot;
            this.images = ask.images;
            this.memos = new byte[images.size()][];
            for (int i = 0; i < memos.length; i++) {
                memos[i] = ctx.snapshot.nodeMemo("image " + images.get(i));
            }
        }

        @Override
        public double score(int node) {
            int n = 0;
            for (int i = 0; i < memos.length; i++) {
                byte m = memos[i][node];
                if (m == 0) {
                    m = snapshot.node(node).images().contains(images.get(i)) ? (byte) 1 : (byte) 2;
                    memos[i][node] = m;
                }
                if (m == 1) {
                    n++;
                }
            }
            return n == 0 ? Double.NaN : (double) n / images.size();
        }
    }
}
