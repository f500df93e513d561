package io.berth.scheduler.placement;

import io.berth.protocol.job.Job;
import java.util.Set;

/**
 * A request to bring one job's allocations in line with its spec.
 *
 * @param job the job's current spec (validated); a job being deregistered is passed with every count at 0
 * @param jobVersion the version of that spec: allocations of older versions are outdated
 * @param architectures the CPU architectures the job's images are built for ({@code amd64}, {@code arm64});
 *     empty when unknown, in which case only the job's own constraints decide
 * @param promoted true once the current version's canaries were promoted by hand
 * @param delayedReschedules ids of failed allocations whose reschedule delay has not passed yet: their slots wait
 *     (the caller evaluates again when the delay is over)
 */
public record Evaluation(String id, Job job, long jobVersion, Set<String> architectures, boolean promoted,
        Set<String> delayedReschedules) {
    public Evaluation {
        architectures = Set.copyOf(architectures);
        delayedReschedules = Set.copyOf(delayedReschedules);
    }

    /** An evaluation of a job with no architecture information, no promotion and no delayed reschedule. */
    public static Evaluation of(String id, Job job, long jobVersion) {
        return new Evaluation(id, job, jobVersion, Set.of(), false, Set.of());
    }
}
