package io.berth.scheduler.jobs;

import io.berth.protocol.cluster.BerthEvent;
import io.berth.protocol.job.Job;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one write does to one job: pure functions from the job as it is (null when unknown) to the job as it will
 * be, the answer for the caller and the event to publish. They run inside the replicator, so they must not touch
 * actor state.
 *
 * @param next   the job after the write, or null when it does not change (or is purged)
 * @param purged whether the job is removed
 * @param reply  the answer once a majority holds the write
 * @param event  what to publish once it is held, or null
 */
record Decision(JobRecord next, boolean purged, JobStore.RegisterReply reply, BerthEvent event) {

    /** Carries the decision out of the replicator's update function to the job store. */
    static final class Holder {
        volatile Decision decision;
    }

    static Decision register(JobRecord current, Job job, Instant now) {
        if (current == null) {
            JobRecord next = new JobRecord(job.id(), false, 1, List.of(new JobVersion(0, job, now, false)));
            return changed(next, event("JobRegistered", next));
        }
        JobVersion latest = current.latest();
        if (!current.stopped() && latest.job().equals(job)) {
            return unchanged(current);
        }
        JobRecord next = append(current, job, false, now);
        return changed(next, event("JobRegistered", next));
    }

    static Decision stop(JobRecord current, String jobId, Instant now) {
        if (current == null) {
            return rejected(jobId);
        }
        if (current.stopped()) {
            return unchanged(current);
        }
        JobRecord next = append(current, current.latest().job(), true, now);
        return changed(next, event("JobStopped", next));
    }

    static Decision purge(JobRecord current, String jobId, Instant now) {
        if (current == null) {
            return rejected(jobId);
        }
        return new Decision(null, true, new JobStore.Registered(jobId, current.latest().version(), true),
                new BerthEvent("Job", "JobPurged", jobId, Map.of("version",
                        Long.toString(current.latest().version())), now));
    }

    static Decision revert(JobRecord current, String jobId, long version, Instant now) {
        if (current == null) {
            return rejected(jobId);
        }
        JobVersion target = current.version(version);
        if (target == null) {
            return new Decision(null, false, new JobStore.Rejected(jobId, "job '" + jobId + "' has no version "
                    + version + " (it has " + current.versions().get(0).version() + " to "
                    + current.latest().version() + ")"), null);
        }
        JobRecord next = append(current, target.job(), false, now);
        return changed(next, event("JobRegistered", next));
    }

    static Decision markStable(JobRecord current, String jobId, long version) {
        if (current == null || current.version(version) == null) {
            return new Decision(null, false, new JobStore.Rejected(jobId, "no version " + version + " of job '"
                    + jobId + "'"), null);
        }
        if (current.version(version).stable()) {
            return unchanged(current);
        }
        List<JobVersion> versions = new ArrayList<>(current.versions());
        versions.replaceAll(v -> v.version() == version ? v.markedStable() : v);
        JobRecord next = new JobRecord(jobId, current.stopped(), current.modifyIndex() + 1, versions);
        return new Decision(next, false, new JobStore.Registered(jobId, current.latest().version(), true), null);
    }

    private static JobRecord append(JobRecord current, Job job, boolean stopped, Instant now) {
        List<JobVersion> versions = new ArrayList<>(current.versions());
        versions.add(new JobVersion(current.latest().version() + 1, job, now, false));
        return new JobRecord(current.id(), stopped, current.modifyIndex() + 1, versions);
    }

    private static Decision changed(JobRecord next, BerthEvent event) {
        return new Decision(next, false, new JobStore.Registered(next.id(), next.latest().version(), true), event);
    }

    private static Decision unchanged(JobRecord current) {
        return new Decision(null, false, new JobStore.Registered(current.id(), current.latest().version(), false),
                null);
    }

    private static Decision rejected(String jobId) {
        return new Decision(null, false, new JobStore.Rejected(jobId, "no job '" + jobId + "'"), null);
    }

    private static BerthEvent event(String type, JobRecord record) {
        return new BerthEvent("Job", type, record.id(), Map.of(
                "version", Long.toString(record.latest().version()),
                "stopped", Boolean.toString(record.stopped())), record.latest().submittedAt());
    }
}
