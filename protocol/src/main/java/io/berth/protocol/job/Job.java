package io.berth.protocol.job;

import java.util.List;
import java.util.Map;

/**
 * A job: what a user asks Berth to run. Absent fields take their defaults here (type {@code service},
 * priority 50, empty lists); {@link JobSpecs#validate} says whether the whole can run. Constraints, affinities
 * and spreads here apply to every group.
 *
 * @param id unique name, letters, digits, {@code - _ .}, at most 128 characters
 * @param datacenters where it may run; empty means any
 * @param update the rolling update strategy for every group that has none of its own; null means the default
 *     for services ({@link UpdateStrategy#DEFAULT}) and none for batch jobs
 * @param reschedule the reschedule policy for every group that has none of its own; null means the default for
 *     the job type ({@link ReschedulePolicy#defaults})
 */
public record Job(
        String id,
        JobType type,
        Integer priority,
        String region,
        List<String> datacenters,
        List<TaskGroup> groups,
        List<Constraint> constraints,
        List<Affinity> affinities,
        List<Spread> spreads,
        UpdateStrategy update,
        ReschedulePolicy reschedule,
        Map<String, String> meta) {

    public static final int DEFAULT_PRIORITY = 50;

    public Job {
        type = Copies.or(type, JobType.SERVICE);
        priority = Copies.or(priority, DEFAULT_PRIORITY);
        datacenters = Copies.list(datacenters);
        groups = Copies.list(groups);
        constraints = Copies.list(constraints);
        affinities = Copies.list(affinities);
        spreads = Copies.list(spreads);
        meta = Copies.map(meta);
    }

    /** The update strategy that governs {@code group}, or null when its updates are not rolled (batch jobs). */
    public UpdateStrategy updateFor(TaskGroup group) {
        if (group.update() != null) {
            return group.update();
        }
        if (update != null) {
            return update;
        }
        return type == JobType.BATCH ? null : UpdateStrategy.DEFAULT;
    }

    /** The reschedule policy that governs {@code group}, with every field filled from the job type's defaults. */
    public ReschedulePolicy rescheduleFor(TaskGroup group) {
        ReschedulePolicy own = group.reschedule() != null ? group.reschedule() : reschedule;
        return ReschedulePolicy.defaults(type).overriddenBy(own);
    }

    /** The group of that name, or null. */
    public TaskGroup group(String name) {
        for (TaskGroup g : groups) {
            if (g != null && name.equals(g.name())) {
                return g;
            }
        }
        return null;
    }
}
