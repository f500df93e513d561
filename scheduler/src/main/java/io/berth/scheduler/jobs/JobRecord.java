package io.berth.scheduler.jobs;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.berth.protocol.cluster.CborSerializable;
import java.util.List;
import java.util.Objects;

/**
 * A job with every version it has had. Immutable.
 *
 * @param id          the job's id
 * @param stopped     whether the job is stopped: stopping adds a version (the same spec) with this set, as Nomad
 *                    does, and registering or reverting starts the job again
 * @param modifyIndex counts the changes to this job (a new version, a stop, a version marked stable); it only
 *                    grows for a given job, so a reader can tell a newer record from an older one. It is per job,
 *                    not a cluster-wide index.
 * @param versions    every version, oldest first, never empty
 */
public record JobRecord(String id, boolean stopped, long modifyIndex, List<JobVersion> versions)
        implements CborSerializable {
    public JobRecord {
        Objects.requireNonNull(id, "id");
        versions = List.copyOf(versions);
        if (versions.isEmpty()) {
            throw new IllegalArgumentException("job " + id + " has no version");
        }
    }

    /** The newest version. */
    @JsonIgnore
    public JobVersion latest() {
        return versions.get(versions.size() - 1);
    }

    /** The version numbered {@code version}, or null when this job never had it. */
    public JobVersion version(long version) {
        for (JobVersion v : versions) {
            if (v.version() == version) {
                return v;
            }
        }
        return null;
    }
}
