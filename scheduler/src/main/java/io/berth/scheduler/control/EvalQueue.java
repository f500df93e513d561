package io.berth.scheduler.control;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The evaluations waiting to run, highest priority first then oldest first, at most one per job: a job changed
 * ten times before its turn is evaluated once, against its newest state (level-triggered). Evaluations that left
 * allocations unplaced wait as blocked, one per job, with what blocked them, until capacity frees up. A bounded
 * history of finished ones is kept for the API. Not thread-safe: confined to the singleton's actor.
 */
final class EvalQueue {
    static final int HISTORY = 200;

    record Pending(String id, String jobId, int priority, String trigger, long seq, Instant createdAt) {}

    record Blocked(String evalId, String jobId, int priority, List<SchedulerApi.PlacementFailure> failures,
                   String explanation, Instant createdAt) {}

    private static final Comparator<Pending> ORDER = Comparator.comparingInt((Pending p) -> -p.priority)
            .thenComparingLong(Pending::seq);

    private final Map<String, Pending> byJob = new HashMap<>();
    private final TreeSet<Pending> order = new TreeSet<>(ORDER);
    private final Map<String, Blocked> blocked = new LinkedHashMap<>();
    private final Deque<SchedulerApi.EvaluationView> history = new ArrayDeque<>();
    private long seq;

    /** Queues an evaluation of the job unless one is already waiting; true when a new one was queued. */
    boolean enqueue(String jobId, int priority, String trigger, Instant now) {
        if (byJob.containsKey(jobId)) {
            return false;
        }
        Pending p = new Pending("eval-" + (++seq), jobId, priority, trigger, seq, now);
        byJob.put(jobId, p);
        order.add(p);
        return true;
    }

    /**
     * The next evaluation to run of a job that {@code mayRun} accepts, removed from the queue, or null when none
     * waits; the others stay in their places.
     */
    Pending poll(Predicate<String> mayRun) {
        for (Iterator<Pending> it = order.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (mayRun.test(p.jobId())) {
                it.remove();
                byJob.remove(p.jobId());
                return p;
            }
        }
        return null;
    }

    int depth() {
        return order.size();
    }

    Collection<Pending> pending() {
        return order;
    }

    /** Records that the job's last evaluation left allocations unplaced; true when it was not blocked before. */
    boolean block(Blocked b) {
        return blocked.put(b.jobId(), b) == null;
    }

    void unblock(String jobId) {
        blocked.remove(jobId);
    }

    Collection<Blocked> blocked() {
        return blocked.values();
    }

    /** Every blocked job, for retrying them all (they stay blocked until an evaluation places everything). */
    List<Blocked> blockedJobs() {
        return new ArrayList<>(blocked.values());
    }

    void finished(SchedulerApi.EvaluationView view) {
        history.addLast(view);
        while (history.size() > HISTORY) {
            history.removeFirst();
        }
    }

    Collection<SchedulerApi.EvaluationView> history() {
        return history;
    }
}
