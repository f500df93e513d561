package io.berth.scheduler.placement;

import io.berth.protocol.job.Job;
import io.berth.protocol.job.JobType;
import io.berth.protocol.job.ReschedulePolicy;
import io.berth.protocol.job.TaskGroup;
import io.berth.protocol.job.UpdateStrategy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Desired against actual for one job: which allocations to stop and which to place so that each group converges
 * on its count (or, for system jobs, one per ready, eligible, undrained node). Each allocation holds a slot, its
 * index, 0 to count - 1. In order: allocations of removed groups stop; lost ones (down node) are replaced, and
 * migrating ones (draining node) max_parallel at a time; failed ones are rescheduled while their policy allows,
 * away from the node they failed on; allocations beyond the count stop and empty slots are filled; and a new
 * version rolls through: canaries first, beside the old allocations whose slots they will take, held until promoted
 * (by hand, or with {@code auto_promote} once all are healthy), then at most {@code max_parallel} outdated
 * allocations replaced, minus the new ones not yet healthy, so the group never has more than {@code max_parallel}
 * slots without a healthy allocation. Reschedule delays are the evaluation queue's business (it re-evaluates when
 * one is due): the failed allocations still waiting are named in {@link Evaluation#delayedReschedules()} and keep
 * their slots. Pure: reads the snapshot, returns decisions.
 */
final class Reconciler {
    /** An allocation to stop, and why. */
    record StopDecision(Allocation allocation, String reason) {}

    /** The decisions for one job. */
    record Result(List<StopDecision> stops, List<PlacementRequest> placements) {}

    private static final Comparator<Allocation> HEALTHY_FIRST = Comparator
            .comparing((Allocation a) -> !Boolean.TRUE.equals(a.healthy())).thenComparing(Allocation::id);

    private final ClusterSnapshot snapshot;
    private final Evaluation evaluation;
    private final Job job;
    private final List<StopDecision> stops = new ArrayList<>();
    private final List<PlacementRequest> placements = new ArrayList<>();

    Reconciler(ClusterSnapshot snapshot, Evaluation evaluation) {
        this.snapshot = snapshot;
        this.evaluation = evaluation;
        this.job = evaluation.job();
    }

    Result reconcile() {
        List<Allocation> all = snapshot.allocationsOf(job.id());
        Set<String> replaced = new HashSet<>();
        for (Allocation a : all) {
            if (a.previousAllocation() != null) {
                replaced.add(a.previousAllocation());
            }
        }
        for (Allocation a : all) {
            if (!a.status().terminal() && job.group(a.group()) == null) {
                stops.add(new StopDecision(a, "group removed from the job"));
            }
        }
        for (TaskGroup g : job.groups()) {
            List<Allocation> mine = all.stream().filter(a -> a.group().equals(g.name())).toList();
            if (job.type() == JobType.SYSTEM) {
                system(g, mine);
            } else {
                counted(g, mine, replaced);
            }
        }
        return new Result(List.copyOf(stops), List.copyOf(placements));
    }

    private void counted(TaskGroup g, List<Allocation> mine, Set<String> replaced) {
        List<Allocation> live = new ArrayList<>();
        Set<Integer> taken = new TreeSet<>();
        UpdateStrategy update = job.updateFor(g);
        // Allocations move off draining nodes max_parallel at a time: a migration waits while earlier replacements
        // are not yet healthy (running, for groups without an update strategy).
        long migrationBudget = (update == null ? 1 : update.maxParallel()) - mine.stream()
                .filter(a -> !a.status().terminal() && a.previousAllocation() != null
                        && nodeOf(a).status() == Node.Status.READY && !ready(a, update))
                .count();
        for (Allocation a : mine.stream().sorted(Comparator.comparingInt(Allocation::index)).toList()) {
            Node node = nodeOf(a);
            if (a.status() == Allocation.Status.COMPLETE && job.type() == JobType.BATCH
                    && a.jobVersion() == evaluation.jobVersion()) {
                taken.add(a.index()); // batch work that finished stays done
            } else if ((a.status() == Allocation.Status.FAILED || a.status() == Allocation.Status.LOST)
                    && !replaced.contains(a.id()) && a.index() < g.count()) {
                // a lost allocation is always replaced; a failed one while its reschedule policy allows, and
                // away from the node it failed on; one that may not be rescheduled keeps its slot, failed
                boolean failed = a.status() == Allocation.Status.FAILED;
                if (failed && evaluation.delayedReschedules().contains(a.id())) {
                    taken.add(a.index()); // its reschedule delay is not over: the slot waits
                    continue;
                }
                if (!failed || mayReschedule(g, a)) {
                    placements.add(new PlacementRequest(g.name(), a.index(), a.id(),
                            failed ? Set.of(a.nodeId()) : Set.of(), a.rescheduleCount() + (failed ? 1 : 0), false,
                            null));
                }
                taken.add(a.index());
            } else if (a.status().terminal()) {
                continue;
            } else if (node.status() == Node.Status.DOWN) {
                stops.add(new StopDecision(a, "node " + node.id() + " is down"));
                if (a.index() < g.count()) {
                    placements.add(new PlacementRequest(g.name(), a.index(), a.id(), Set.of(), a.rescheduleCount(),
                            false, null));
                    taken.add(a.index());
                }
            } else if (node.draining() && migrationBudget > 0 && a.index() < g.count()) {
                migrationBudget--;
                stops.add(new StopDecision(a, "node " + node.id() + " is draining"));
                placements.add(new PlacementRequest(g.name(), a.index(), a.id(), Set.of(), a.rescheduleCount(),
                        false, null));
                taken.add(a.index());
            } else {
                live.add(a);
            }
        }
        Map<Integer, List<Allocation>> slots = new TreeMap<>();
        for (Allocation a : live) {
            if (a.index() >= g.count()) {
                stops.add(new StopDecision(a, "not needed: the group's count is " + g.count()));
            } else {
                slots.computeIfAbsent(a.index(), i -> new ArrayList<>()).add(a);
            }
        }
        List<Allocation> current = new ArrayList<>();
        slots.values().forEach(holders -> holders.stream().filter(a -> isCurrent(a, update)).forEach(current::add));
        boolean anyOutdated = slots.values().stream().flatMap(List::stream).anyMatch(a -> !isCurrent(a, update));
        List<Allocation> canaries = current.stream().filter(Allocation::canary).toList();
        boolean canaryPhase = update != null && update.canary() > 0 && anyOutdated && !promoted(update, canaries);
        // Each slot (index) keeps one allocation. An outdated one beside a current one (a promoted canary) is
        // superseded; slots holding only outdated ones are rolled, max_parallel minus the unhealthy new ones at a
        // time, so at most max_parallel slots are ever without a healthy allocation.
        List<Allocation> outdatedOnly = new ArrayList<>();
        for (int i = 0; i < g.count(); i++) {
            List<Allocation> holders = slots.getOrDefault(i, List.of());
            if (holders.isEmpty()) {
                if (!taken.contains(i)) {
                    placements.add(PlacementRequest.fresh(g.name(), i));
                }
                continue;
            }
            List<Allocation> cur = new ArrayList<>(), old = new ArrayList<>();
            holders.forEach(a -> (isCurrent(a, update) ? cur : old).add(a));
            cur.sort(HEALTHY_FIRST);
            old.sort(HEALTHY_FIRST);
            if (!cur.isEmpty()) {
                stopDuplicates(cur);
                if (!canaryPhase) {
                    old.forEach(a -> stops.add(new StopDecision(a, "replaced by version " + evaluation.jobVersion())));
                }
            } else {
                stopDuplicates(old);
                outdatedOnly.add(old.get(0));
            }
        }
        if (canaryPhase) {
            // canaries run beside the old version, each in the slot of an outdated allocation it will supersede
            for (int k = 0; k < update.canary() - canaries.size() && k < outdatedOnly.size(); k++) {
                placements.add(new PlacementRequest(g.name(), outdatedOnly.get(k).index(), null, Set.of(), 0, true,
                        null));
            }
            return;
        }
        if (update == null) {
            return;
        }
        long budget = update.maxParallel() - current.stream().filter(a -> !Boolean.TRUE.equals(a.healthy())).count();
        for (int i = 0; i < outdatedOnly.size() && budget > 0; i++, budget--) {
            Allocation a = outdatedOnly.get(i);
            stops.add(new StopDecision(a, "replaced by version " + evaluation.jobVersion()));
            placements.add(new PlacementRequest(g.name(), a.index(), a.id(), Set.of(), 0, false, null));
        }
    }

    /** Stops every holder of a slot but the first. */
    private void stopDuplicates(List<Allocation> holders) {
        for (Allocation a : holders.subList(1, holders.size())) {
            stops.add(new StopDecision(a, "duplicate of " + holders.get(0).id()));
        }
    }

    /** Healthy, or for a group without an update strategy (no health tracked) past PENDING. */
    private static boolean ready(Allocation a, UpdateStrategy update) {
        return update == null ? a.status() != Allocation.Status.PENDING : Boolean.TRUE.equals(a.healthy());
    }

    private boolean isCurrent(Allocation a, UpdateStrategy update) {
        return update == null || a.jobVersion() == evaluation.jobVersion();
    }

    private boolean promoted(UpdateStrategy update, List<Allocation> canaries) {
        if (evaluation.promoted()) {
            return true;
        }
        return update.autoPromote() && canaries.size() >= update.canary()
                && canaries.stream().allMatch(a -> Boolean.TRUE.equals(a.healthy()));
    }

    private boolean mayReschedule(TaskGroup g, Allocation failed) {
        ReschedulePolicy p = job.rescheduleFor(g);
        return p.unlimited() || failed.rescheduleCount() < p.attempts();
    }

    /** One allocation per ready, eligible, undrained node; outdated ones rolled max_parallel at a time. */
    private void system(TaskGroup g, List<Allocation> mine) {
        UpdateStrategy update = job.updateFor(g);
        long budget = update.maxParallel()
                - mine.stream().filter(a -> !a.status().terminal() && a.jobVersion() == evaluation.jobVersion()
                && !Boolean.TRUE.equals(a.healthy())).count();
        Set<String> covered = new HashSet<>();
        for (Allocation a : mine) {
            if (a.status().terminal()) {
                continue;
            }
            Node node = nodeOf(a);
            if (node.status() == Node.Status.DOWN) {
                stops.add(new StopDecision(a, "node " + node.id() + " is down"));
            } else if (node.draining()) {
                stops.add(new StopDecision(a, "node " + node.id() + " is draining"));
            } else if (!covered.add(a.nodeId())) {
                stops.add(new StopDecision(a, "duplicate on node " + node.id()));
            } else if (a.jobVersion() != evaluation.jobVersion() && budget > 0) {
                budget--;
                stops.add(new StopDecision(a, "replaced by version " + evaluation.jobVersion()));
                placements.add(new PlacementRequest(g.name(), snapshot.indexOf(a.nodeId()), a.id(), Set.of(), 0,
                        false, a.nodeId()));
            }
        }
        for (int i = 0; i < snapshot.size(); i++) {
            Node n = snapshot.node(i);
            if (n.status() == Node.Status.READY && n.eligible() && !n.draining() && !covered.contains(n.id())) {
                placements.add(new PlacementRequest(g.name(), i, null, Set.of(), 0, false, n.id()));
            }
        }
    }

    private Node nodeOf(Allocation a) {
        return snapshot.node(snapshot.indexOf(a.nodeId()));
    }
}
