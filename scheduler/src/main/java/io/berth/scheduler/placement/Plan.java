package io.berth.scheduler.placement;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one evaluation decided: allocations to place, allocations to stop, lower-priority allocations to evict to
 * make room, and, per group, what could not be placed and why. Immutable.
 */
public record Plan(
        String evaluationId,
        String jobId,
        List<Placement> placements,
        List<Stop> stops,
        List<Stop> evictions,
        List<Failure> failures) {

    public Plan {
        placements = List.copyOf(placements);
        stops = List.copyOf(stops);
        evictions = List.copyOf(evictions);
        failures = List.copyOf(failures);
    }

    /**
     * A new allocation on a node.
     *
     * @param ports the host port given to each port label, static and dynamic
     * @param replaces the allocation this one takes over from (failed, lost, outdated or migrating), or null
     * @param score the winning score, for explanations
     */
    public record Placement(
            String allocationId,
            String jobId,
            long jobVersion,
            String group,
            int index,
            int priority,
            String nodeId,
            Capacity resources,
            Map<String, Integer> ports,
            String replaces,
            int rescheduleCount,
            boolean canary,
            double score) {

        public Placement {
            ports = Map.copyOf(ports);
        }

        /** The allocation this placement creates, PENDING. */
        public Allocation toAllocation() {
            return new Allocation(allocationId, jobId, jobVersion, group, index, priority, nodeId, resources,
                    List.copyOf(ports.values()), Allocation.Status.PENDING, null, canary, replaces, rescheduleCount);
        }
    }

    /** An allocation to stop, and why ("not needed", "node down", "preempted by web.frontend[1]" ...). */
    public record Stop(String allocationId, String jobId, String nodeId, String reason) {}

    /**
     * Allocations of a group that fit nowhere, with what the last attempt saw, as {@code nomad job plan} explains.
     *
     * @param filtered for each check that rejected nodes (a constraint, "node down", "distinct_hosts" ...), how many
     * @param exhausted for each resource that ran out on otherwise eligible nodes ("cpu", "memory", "port 80"), how
     *     many nodes
     */
    public record Failure(String group, int unplaced, int nodesEvaluated, Map<String, Integer> filtered,
            Map<String, Integer> exhausted) {
        public Failure {
            filtered = Map.copyOf(filtered);
            exhausted = Map.copyOf(exhausted);
        }
    }

    /** A readable explanation of the failures, one block per group, or "" when everything was placed. */
    public String explain() {
        List<String> lines = new ArrayList<>();
        for (Failure f : failures) {
            lines.add("group \"" + f.group() + "\": " + f.unplaced() + " unplaced");
            lines.add("  * nodes evaluated: " + f.nodesEvaluated());
            f.filtered().entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()
                    .thenComparing(Map.Entry.comparingByKey()))
                    .forEach(e -> lines.add("  * constraint \"" + e.getKey() + "\": " + e.getValue()
                            + " nodes filtered"));
            f.exhausted().entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()
                    .thenComparing(Map.Entry.comparingByKey()))
                    .forEach(e -> lines.add("  * resources exhausted on " + e.getValue() + " nodes: " + e.getKey()));
        }
        return String.join("\n", lines);
    }
}
