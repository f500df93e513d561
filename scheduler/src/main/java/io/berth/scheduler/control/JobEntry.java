package io.berth.scheduler.control;

import io.berth.protocol.job.Job;
import io.berth.scheduler.jobs.JobRecord;
import io.berth.scheduler.jobs.JobVersion;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A job as the singleton tracks it: its record from the job store (null once purged), its allocations, its newest
 * deployment. Mutable, confined to the singleton's actor.
 */
final class JobEntry {
    final String id;
    JobRecord record;
    /** The newest spec seen, kept after a purge so that the job's allocations can still be stopped. */
    Job lastSpec;
    long lastVersion;
    final Set<String> allocations = new LinkedHashSet<>();
    Deployment deployment;
    /** A job only agents reported, which a majority of the job store does not hold either: its allocations stop. */
    boolean absent;
    /** A majority read of the job is on its way (for a job only agents reported). */
    boolean majorityAsked;
    /**
     * When the job store first accepted a version of this job id: the earliest this singleton has seen, so that a
     * purge and a new registration under the same id do not make an old job look new. Null until its record arrives.
     */
    Instant firstSubmittedAt;
    /** An agent reported an allocation of it, or a kept completion was restored: a predecessor placed some of it. */
    boolean adopted;

    JobEntry(String id) {
        this.id = id;
    }

    boolean purged() {
        return record == null;
    }

    /** Whether its allocations should run: known, not stopped. */
    boolean wanted() {
        return record != null && !record.stopped();
    }

    /** The spec to reconcile against: the newest one, or one without groups (everything stops) when not wanted. */
    Job specToRun() {
        if (wanted()) {
            return lastSpec;
        }
        if (lastSpec == null) { // only agents knew of it
            return new Job(id, null, null, null, null, null, null, null, null, null, null, null);
        }
        Job j = lastSpec;
        return new Job(j.id(), j.type(), j.priority(), j.region(), j.datacenters(), List.of(), j.constraints(),
                j.affinities(), j.spreads(), j.update(), j.reschedule(), j.meta());
    }

    /** The spec of version {@code version}, or the newest one when the store no longer has it. */
    Job spec(long version) {
        if (record != null) {
            JobVersion v = record.version(version);
            if (v != null) {
                return v.job();
            }
        }
        return lastSpec;
    }

    /** The newest version marked stable other than {@code except}, or null. */
    JobVersion lastStableBefore(long except) {
        if (record == null) {
            return null;
        }
        List<JobVersion> vs = record.versions();
        for (int i = vs.size() - 1; i >= 0; i--) {
            if (vs.get(i).stable() && vs.get(i).version() < except) {
                return vs.get(i);
            }
        }
        return null;
    }
}
