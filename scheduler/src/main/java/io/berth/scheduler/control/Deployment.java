package io.berth.scheduler.control;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The roll-out of one job version, tracked by the singleton. Mutable, confined to the singleton's actor.
 *
 * <p>Status transitions: RUNNING -> AWAITING_PROMOTION (healthy canaries wait for a promotion by hand) ->
 * RUNNING (promoted); RUNNING or AWAITING_PROMOTION -> SUCCESSFUL (every group has its count of healthy
 * allocations of the version and nothing older is left), FAILED (an allocation of the version turned unhealthy,
 * missed its healthy deadline, or an operator failed it) or CANCELLED (a newer version superseded it). The last
 * three are final.
 */
final class Deployment {
    enum Status {
        RUNNING, AWAITING_PROMOTION, SUCCESSFUL, FAILED, CANCELLED;

        boolean active() {
            return this == RUNNING || this == AWAITING_PROMOTION;
        }

        String apiName() {
            return name().toLowerCase();
        }
    }

    /** One group's part. */
    static final class Group {
        final String name;
        final int desiredTotal;
        final int desiredCanaries;
        final boolean autoPromote;
        final boolean autoRevert;
        final List<String> canaries = new ArrayList<>();
        int placed;
        int healthy;
        int unhealthy;
        Instant requireProgressBy;

        Group(String name, int desiredTotal, int desiredCanaries, boolean autoPromote, boolean autoRevert) {
            this.name = name;
            this.desiredTotal = desiredTotal;
            this.desiredCanaries = desiredCanaries;
            this.autoPromote = autoPromote;
            this.autoRevert = autoRevert;
        }
    }

    /** Taken from the allocations agents report when {@link #restorable}. */
    String id;
    final String jobId;
    final long jobVersion;
    final Instant createdAt;
    final Map<String, Group> groups = new LinkedHashMap<>();
    Status status = Status.RUNNING;
    String description = "deployment is running";
    boolean promoted;
    /** Whether a failure asked the job store to revert (so it is done once). */
    boolean reverted;
    /**
     * Started for a version found in the job store when this singleton loaded the jobs, so possibly the one a
     * previous singleton ran: until this singleton places for it, it takes its id and promotion from the
     * allocations the agents report.
     */
    boolean restorable;
    Instant modifiedAt;

    Deployment(String id, String jobId, long jobVersion, Instant createdAt) {
        this.id = id;
        this.jobId = jobId;
        this.jobVersion = jobVersion;
        this.createdAt = createdAt;
        this.modifiedAt = createdAt;
    }

    boolean hasCanaries() {
        return groups.values().stream().anyMatch(g -> g.desiredCanaries > 0);
    }

    boolean autoRevert() {
        return groups.values().stream().anyMatch(g -> g.autoRevert);
    }

    void to(Status next, String why, Instant at) {
        if (!status.active()) {
            throw new IllegalStateException("deployment " + id + " of " + jobId + ": illegal transition " + status
                    + " -> " + next);
        }
        status = next;
        description = why;
        modifiedAt = at;
    }
}
