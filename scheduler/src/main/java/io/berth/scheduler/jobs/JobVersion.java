package io.berth.scheduler.jobs;

import io.berth.protocol.cluster.CborSerializable;
import io.berth.protocol.job.Job;
import java.time.Instant;
import java.util.Objects;

/**
 * One version of a job as it was submitted.
 *
 * @param version     0 for the first version of a job, one more for each later one
 * @param job         the spec, never null
 * @param submittedAt when the job store accepted it, never null
 * @param stable      set by the scheduler once a deployment of this version has succeeded; a failed deployment
 *                    with auto-revert goes back to the newest stable version
 */
public record JobVersion(long version, Job job, Instant submittedAt, boolean stable) implements CborSerializable {
    public JobVersion {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(submittedAt, "submittedAt");
    }

    /** This version marked stable. */
    public JobVersion markedStable() {
        return new JobVersion(version, job, submittedAt, true);
    }
}
