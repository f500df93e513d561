package io.berth.scheduler.placement;

import io.berth.protocol.job.Attributes;
import io.berth.protocol.job.Constraint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The feasibility checkers and the chain they run in: node state, datacenter, platform, each constraint, distinct
 * hosts and properties, static ports the node never gives out, then resources and ports. Cheap and most selective
 * first.
 */
final class Checks {
    private Checks() {}

    /** The chain for one group in one evaluation. */
    static FeasibilityCheck[] chain(EvalContext ctx, GroupAsk ask) {
        List<FeasibilityCheck> chain = new ArrayList<>();
        chain.add(new NodeState(ctx));
        if (!ctx.job.datacenters().isEmpty()) {
            chain.add(new Datacenter(ctx, ctx.job.datacenters()));
        }
        chain.add(new Platform(ctx, ctx.evaluation.architectures()));
        for (Constraint c : ask.constraints) {
            switch (c.operator()) {
                case DISTINCT_HOSTS -> { }
                case DISTINCT_PROPERTY -> chain.add(new DistinctProperty(ctx, ask, c));
                default -> chain.add(new AttributeConstraint(ctx, c));
            }
        }
        if (ask.distinctHostsForJob || ask.distinctHostsForGroup) {
            chain.add(new DistinctHosts(ctx, ask));
        }
        if (ask.staticPorts.length > 0) {
            chain.add(new HostPorts(ctx, ask));
        }
        chain.add(new Resources(ctx, ask));
        chain.add(new Ports(ctx, ask));
        return chain.toArray(new FeasibilityCheck[0]);
    }

    /** Down, ineligible and draining nodes take nothing new. */
    static final class NodeState implements FeasibilityCheck {
        static final String DOWN = "node down", INELIGIBLE = "node ineligible", DRAINING = "node draining";
        private static final String[] REASONS = {null, DOWN, INELIGIBLE, DRAINING};
        private final ClusterSnapshot snapshot;

        NodeState(EvalContext ctx) {
            this.snapshot = ctx.snapshot;
        }

        @Override
        public String reject(int node) {
            return REASONS[snapshot.state(node)];
        }
    }

    /** Only the job's datacenters, when it names any. */
    static final class Datacenter implements FeasibilityCheck {
        static final String REASON = "missing datacenter";
        private final String[] values;
        private final Set<String> datacenters;

        Datacenter(EvalContext ctx, List<String> datacenters) {
            this.values = ctx.snapshot.attributeColumn(Attributes.DATACENTER);
            this.datacenters = Set.copyOf(datacenters);
        }

        @Override
        public String reject(int node) {
            return datacenters.contains(values[node]) ? null : REASON;
        }
    }

    /** Berth runs Linux containers: a Linux node whose architecture the images are built for (when known). */
    static final class Platform implements FeasibilityCheck {
        static final String OS = "attr.os = linux", ARCH = "image architecture";
        private final String[] os;
        private final String[] arch;
        private final Set<String> architectures;

        Platform(EvalContext ctx, Set<String> architectures) {
            this.os = ctx.snapshot.attributeColumn(Attributes.OS);
            this.arch = ctx.snapshot.attributeColumn(Attributes.ARCH);
            this.architectures = architectures;
        }

        @Override
        public String reject(int node) {
            if (!"linux".equals(os[node])) {
                return OS;
            }
            return architectures.isEmpty() || architectures.contains(arch[node]) ? null : ARCH;
        }
    }

    /**
     * One constraint comparing a node attribute with a value. Node attributes do not change within an
     * evaluation, so each node's answer is computed once (regular expressions and version ranges are not free).
     */
    static final class AttributeConstraint implements FeasibilityCheck {
        private final String[] values;
        private final AttributeMatcher matcher;
        private final String reason;
        private final byte[] memo; // 0 unknown, 1 passes, 2 fails

        AttributeConstraint(EvalContext ctx, Constraint c) {
            this.values = ctx.snapshot.attributeColumn(c.attribute());
            this.matcher = ctx.snapshot.matcher(c.operator(), c.value());
            this.reason = c.toString();
            this.memo = ctx.snapshot.nodeMemo("constraint " + c.attribute() + " " + c.operator().spelling() + " "
                    + c.value());
        }

        @Override
        public String reject(int node) {
            byte m = memo[node];
            if (m == 0) {
                m = matcher.matches(values[node]) ? (byte) 1 : (byte) 2;
                memo[node] = m;
            }
            return m == 1 ? null : reason;
        }
    }

    /** No two allocations of the job (or of the group, for a group-level constraint) on one node. */
    static final class DistinctHosts implements FeasibilityCheck {
        static final String REASON = "distinct_hosts";
        private final EvalContext ctx;
        private final GroupAsk ask;

        DistinctHosts(EvalContext ctx, GroupAsk ask) {
            this.ctx = ctx;
            this.ask = ask;
        }

        @Override
        public String reject(int node) {
            if (ask.distinctHostsForJob && ctx.jobCount(node) > 0) {
                return REASON;
            }
            return ask.distinctHostsForGroup && ctx.groupCount(ask.group.name(), node) > 0 ? REASON : null;
        }
    }

    /**
     * At most {@code value} (default 1) live allocations of the job per value of the attribute. The counts are
     * taken once from the snapshot (after the plan's stops, which the reconciler makes before any placement) and
     * then follow the plan's placements as they are made.
     */
    static final class DistinctProperty implements FeasibilityCheck {
        private final EvalContext ctx;
        private final String[] values;
        private final int limit;
        private final String reason;
        private final Map<String, Integer> counts = new HashMap<>();
        private int placementsCounted;

        DistinctProperty(EvalContext ctx, GroupAsk ask, Constraint c) {
            this.ctx = ctx;
            this.values = ctx.snapshot.attributeColumn(c.attribute());
            this.limit = c.value() == null ? 1 : Integer.parseInt(c.value());
            this.reason = c.toString();
            for (Allocation a : ctx.snapshot.allocationsOf(ctx.job.id())) {
                if (!a.status().terminal() && !ctx.isStopped(a.id())) {
                    count(ctx.snapshot.indexOf(a.nodeId()));
                }
            }
        }

        @Override
        public String reject(int node) {
            for (; placementsCounted < ctx.placements.size(); placementsCounted++) {
                count(ctx.snapshot.indexOf(ctx.placements.get(placementsCounted).nodeId()));
            }
            String value = values[node];
            return value == null || counts.getOrDefault(value, 0) >= limit ? reason : null;
        }

        private void count(int node) {
            if (values[node] != null) {
                counts.merge(values[node], 1, Integer::sum);
            }
        }
    }

    /** Enough CPU, memory and disk left on the node, the plan's placements and stops counted. */
    static final class Resources implements FeasibilityCheck {
        static final String CPU = "cpu", MEMORY = "memory", DISK = "disk";
        private final EvalContext ctx;
        private final Capacity ask;

        Resources(EvalContext ctx, GroupAsk ask) {
            this.ctx = ctx;
            this.ask = ask.resources;
        }

        @Override
        public String reject(int node) {
            if (ctx.freeCpu(node) < ask.cpuMhz()) {
                return CPU;
            }
            if (ctx.freeMemory(node) < ask.memoryMb()) {
                return MEMORY;
            }
            return ctx.freeDisk(node) < ask.diskMb() ? DISK : null;
        }

        @Override
        public boolean exhaustion() {
            return true;
        }
    }

    /**
     * The group's static ports are not ones the node never gives out: reserved by its operator, or in use by another
     * program on the host. A filter, not exhaustion: no eviction frees them.
     */
    static final class HostPorts implements FeasibilityCheck {
        private final ClusterSnapshot snapshot;
        private final int[] staticPorts;
        private final String[] reserved;
        private final String[] inUse;

        HostPorts(EvalContext ctx, GroupAsk ask) {
            this.snapshot = ctx.snapshot;
            this.staticPorts = ask.staticPorts;
            this.reserved = new String[staticPorts.length];
            this.inUse = new String[staticPorts.length];
            for (int i = 0; i < staticPorts.length; i++) {
                reserved[i] = "port " + staticPorts[i] + " reserved on the node";
                inUse[i] = "port " + staticPorts[i] + " in use on the host by another program";
            }
        }

        @Override
        public String reject(int node) {
            for (int i = 0; i < staticPorts.length; i++) {
                if (snapshot.portBlocked(node, staticPorts[i])) {
                    return snapshot.node(node).reservedPorts().contains(staticPorts[i]) ? reserved[i] : inUse[i];
                }
            }
            return null;
        }
    }

    /** The group's static ports free on the node, and room in its dynamic range for the dynamic ones. */
    static final class Ports implements FeasibilityCheck {
        static final String DYNAMIC = "dynamic ports";
        private final EvalContext ctx;
        private final int[] staticPorts;
        private final String[] reasons;
        private final int dynamic;

        Ports(EvalContext ctx, GroupAsk ask) {
            this.ctx = ctx;
            this.staticPorts = ask.staticPorts;
            this.reasons = new String[staticPorts.length];
            for (int i = 0; i < staticPorts.length; i++) {
                reasons[i] = "port " + staticPorts[i];
            }
            this.dynamic = ask.dynamicLabels.length;
        }

        @Override
        public String reject(int node) {
            for (int i = 0; i < staticPorts.length; i++) {
                if (ctx.portInUse(node, staticPorts[i])) {
                    return reasons[i];
                }
            }
            if (dynamic == 0) {
                return null;
            }
            // the exact scan is needed only when the node's ports could fill its dynamic range
            int span = ctx.snapshot.dynamicPortMax(node) - ctx.snapshot.dynamicPortMin(node) + 1;
            if (ctx.portsTakenBound(node) + staticPorts.length + dynamic <= span) {
                return null;
            }
            return PortPicker.pick(ctx, node, dynamic, staticPorts, null) != null ? null : DYNAMIC;
        }

        @Override
        public boolean exhaustion() {
            return true;
        }
    }
}
