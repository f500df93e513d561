package io.berth.protocol.job;

import java.util.List;
import java.util.Map;

/**
 * Tasks placed together on one node, {@code count} times (once per eligible node for system jobs). Its
 * constraints, affinities and spreads add to the job's; its update strategy and reschedule policy, when
 * given, replace the job's whole.
 */
public record TaskGroup(
        String name,
        Integer count,
        List<Task> tasks,
        List<Constraint> constraints,
        List<Affinity> affinities,
        List<Spread> spreads,
        UpdateStrategy update,
        ReschedulePolicy reschedule,
        Map<String, String> meta) {

    public TaskGroup {
        count = Copies.or(count, 1);
        tasks = Copies.list(tasks);
        constraints = Copies.list(constraints);
        affinities = Copies.list(affinities);
        spreads = Copies.list(spreads);
        meta = Copies.map(meta);
    }
}
