package io.berth.scheduler.placement;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Finds, on one node, the cheapest set of allocations to evict so that a group fits: only allocations of strictly
 * lower priority are candidates, those holding a static port the group needs must go, and the rest are taken
 * lowest priority first, biggest first, then pruned of any the fit does not need. Cheapest means, in order: the
 * lowest highest-priority evicted, the fewest evicted, the least resources evicted. Single-threaded.
 */
final class Preemptor {
    private final EvalContext ctx;
    private final GroupAsk ask;
    private final FeasibilityCheck[] filters;

    /** The evictions for one node. */
    record Choice(int node, List<Allocation> evict, int maxPriority, long size) {
        boolean cheaperThan(Choice o) {
            if (maxPriority != o.maxPriority) {
                return maxPriority < o.maxPriority;
            }
            if (evict.size() != o.evict.size()) {
                return evict.size() < o.evict.size();
            }
            return size < o.size;
        }
    }

    Preemptor(EvalContext ctx, GroupAsk ask, FeasibilityCheck[] chain) {
        this.ctx = ctx;
        this.ask = ask;
        List<FeasibilityCheck> f = new ArrayList<>();
        for (FeasibilityCheck c : chain) {
            if (!c.exhaustion()) {
                f.add(c);
            }
        }
        this.filters = f.toArray(new FeasibilityCheck[0]);
    }

    /** The cheapest evictions that make the group fit on the node, or null when none do (or none are needed). */
    Choice evictionsFor(int node) {
        for (FeasibilityCheck c : filters) {
            if (c.reject(node) != null) {
                return null;
            }
        }
        int priority = ctx.job.priority();
        List<Allocation> live = ctx.liveOn(node);
        List<Allocation> chosen = new ArrayList<>();
        for (int port : ask.staticPorts) {
            if (!ctx.portInUse(node, port)) {
                continue;
            }
            Allocation holder = live.stream().filter(a -> a.hostPorts().contains(port)).findFirst().orElse(null);
            if (holder == null || holder.priority() >= priority) {
                return null; // held by this plan's own placement, or by work that may not be evicted
            }
            if (!chosen.contains(holder)) {
                chosen.add(holder);
            }
        }
        int mandatory = chosen.size();
        List<Allocation> candidates = new ArrayList<>();
        for (Allocation a : live) {
            if (a.priority() < priority && !chosen.contains(a)) {
                candidates.add(a);
            }
        }
        candidates.sort(Comparator.comparingInt(Allocation::priority)
                .thenComparing(Comparator.comparingLong(Preemptor::size).reversed())
                .thenComparing(Allocation::id));
        for (Allocation a : candidates) {
            if (fits(node, chosen)) {
                break;
            }
            chosen.add(a);
        }
        if (!fits(node, chosen)) {
            return null;
        }
        // drop what the fit does not need, highest priority first
        List<Allocation> optional = new ArrayList<>(chosen.subList(mandatory, chosen.size()));
        optional.sort(Comparator.comparingInt(Allocation::priority).reversed()
                .thenComparingLong(Preemptor::size).thenComparing(Allocation::id));
        for (Allocation a : optional) {
            chosen.remove(a);
            if (!fits(node, chosen)) {
                chosen.add(a);
            }
        }
        if (chosen.isEmpty()) {
            return null;
        }
        int max = chosen.stream().mapToInt(Allocation::priority).max().orElse(0);
        long size = chosen.stream().mapToLong(Preemptor::size).sum();
        return new Choice(node, List.copyOf(chosen), max, size);
    }

    private boolean fits(int node, List<Allocation> evicted) {
        long cpu = ctx.freeCpu(node), mem = ctx.freeMemory(node), disk = ctx.freeDisk(node);
        for (Allocation a : evicted) {
            cpu += a.resources().cpuMhz();
            mem += a.resources().memoryMb();
            disk += a.resources().diskMb();
        }
        return cpu >= ask.resources.cpuMhz() && mem >= ask.resources.memoryMb() && disk >= ask.resources.diskMb()
                && dynamicPortsFit(node, evicted);
    }

    /** Whether the node's dynamic range has room for the group's dynamic ports once {@code evicted} are gone. */
    private boolean dynamicPortsFit(int node, List<Allocation> evicted) {
        int wanted = ask.dynamicLabels.length;
        if (wanted == 0) {
            return true;
        }
        Node n = ctx.snapshot.node(node);
        int span = n.dynamicPortMax() - n.dynamicPortMin() + 1;
        if (ctx.portsTakenBound(node) + ask.staticPorts.length + wanted <= span) {
            return true;
        }
        int free = 0;
        for (int port = n.dynamicPortMin(); port <= n.dynamicPortMax() && free < wanted; port++) {
            if (isStatic(port)) {
                continue;
            }
            if (!ctx.portInUse(node, port) || heldBy(evicted, port)) {
                free++;
            }
        }
        return free >= wanted;
    }

    private boolean isStatic(int port) {
        for (int p : ask.staticPorts) {
            if (p == port) {
                return true;
            }
        }
        return false;
    }

    private static boolean heldBy(List<Allocation> evicted, int port) {
        for (Allocation a : evicted) {
            if (a.hostPorts().contains(port)) {
                return true;
            }
        }
        return false;
    }

    /** An allocation's weight for "least resources evicted": memory in MiB plus CPU in MHz. */
    private static long size(Allocation a) {
        return (long) a.resources().memoryMb() + a.resources().cpuMhz();
    }
}
