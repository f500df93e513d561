package io.berth.scheduler.placement;

import io.berth.protocol.job.Job;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

/**
 * The mutable state of one evaluation over an immutable snapshot: what the plan so far has placed and stopped,
 * as per-node deltas, so checkers see the snapshot plus the plan without copying either. Single-threaded.
 */
final class EvalContext {
    final ClusterSnapshot snapshot;
    final Evaluation evaluation;
    final Job job;
    final Random random;
    private final int[] usedCpu;
    private final int[] usedMemory;
    private final int[] usedDisk;
    private final PortSet[] addedPorts;
    private final PortSet[] freedPorts;
    private final int[] jobCount;
    private final Map<String, int[]> groupCount = new HashMap<>();
    private final Set<String> stopped = new HashSet<>();
    final List<Plan.Placement> placements = new ArrayList<>();
    final List<Plan.Stop> stops = new ArrayList<>();
    final List<Plan.Stop> evictions = new ArrayList<>();
    private int[] nodeOrder;

    EvalContext(ClusterSnapshot snapshot, Evaluation evaluation, Random random) {
        this.snapshot = snapshot;
        this.evaluation = evaluation;
        this.job = evaluation.job();
        this.random = random;
        int n = snapshot.size();
        usedCpu = new int[n];
        usedMemory = new int[n];
        usedDisk = new int[n];
        addedPorts = new PortSet[n];
        freedPorts = new PortSet[n];
        jobCount = new int[n];
        for (Allocation a : snapshot.allocationsOf(job.id())) {
            if (!a.status().terminal()) {
                int i = snapshot.indexOf(a.nodeId());
                jobCount[i]++;
                groupCount(a.group())[i]++;
            }
        }
    }

    /**
     * Every node index in one random order for the whole evaluation, drawn on first use (a job placed purely by
     * spread partitions never needs it).
     */
    int[] nodeOrder() {
        if (nodeOrder == null) {
            int[] order = new int[snapshot.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            nodeOrder = Scheduler.shuffle(order, random);
        }
        return nodeOrder;
    }

    int freeCpu(int node) {
        return snapshot.freeCpu(node) - usedCpu[node];
    }

    int freeMemory(int node) {
        return snapshot.freeMemory(node) - usedMemory[node];
    }

    int freeDisk(int node) {
        return snapshot.freeDisk(node) - usedDisk[node];
    }

    /**
     * True when the snapshot or the plan so far has the port taken on the node, or the node never gives it out
     * (reserved, or in use by another program).
     */
    boolean portInUse(int node, int port) {
        if (snapshot.portBlocked(node, port)) {
            return true;
        }
        if (addedPorts[node] != null && addedPorts[node].contains(port)) {
            return true;
        }
        return snapshot.portInUse(node, port) && (freedPorts[node] == null || !freedPorts[node].contains(port));
    }

    /**
     * An upper bound on the host ports taken in the node's dynamic range: the snapshot's, the plan's additions and the
     * node's blocked ones (freed ones are not subtracted, nor ports outside the range, which only makes the bound
     * looser).
     */
    int portsTakenBound(int node) {
        return snapshot.usedPortCount(node) + snapshot.blockedDynamicCount(node)
                + (addedPorts[node] == null ? 0 : addedPorts[node].size());
    }

    /** Live allocations of this job on the node, the plan's included. */
    int jobCount(int node) {
        return jobCount[node];
    }

    /** Live allocations of this job's group on the node, the plan's included. */
    int groupCount(String group, int node) {
        return groupCount(group)[node];
    }

    /** The live allocations of this job's group per node, updated as the plan grows; do not modify. */
    int[] groupCounts(String group) {
        return groupCount(group);
    }

    private int[] groupCount(String group) {
        return groupCount.computeIfAbsent(group, g -> new int[snapshot.size()]);
    }

    boolean isStopped(String allocationId) {
        return stopped.contains(allocationId);
    }

    /** Allocations of the snapshot on the node that still hold resources after the plan's stops. */
    List<Allocation> liveOn(int node) {
        List<Allocation> live = new ArrayList<>();
        for (Allocation a : snapshot.allocationsOn(node)) {
            if (!a.status().terminal() && !stopped.contains(a.id())) {
                live.add(a);
            }
        }
        return live;
    }

    /** Stops an allocation (or evicts it, for preemption), giving its resources and ports back to the plan. */
    void stop(Allocation a, String reason, boolean eviction) {
        if (!stopped.add(a.id())) {
            return;
        }
        Plan.Stop stop = new Plan.Stop(a.id(), a.jobId(), a.nodeId(), reason);
        (eviction ? evictions : stops).add(stop);
        if (a.status().terminal()) {
            return;
        }
        int i = snapshot.indexOf(a.nodeId());
        usedCpu[i] -= a.resources().cpuMhz();
        usedMemory[i] -= a.resources().memoryMb();
        usedDisk[i] -= a.resources().diskMb();
        for (int p : a.hostPorts()) {
            if (freedPorts[i] == null) {
                freedPorts[i] = new PortSet();
            }
            freedPorts[i].add(p);
            if (addedPorts[i] != null) {
                addedPorts[i].remove(p);
            }
        }
        if (a.jobId().equals(job.id())) {
            jobCount[i]--;
            groupCount(a.group())[i]--;
        }
    }

    /** Records a placement on the node, taking its resources and ports. */
    void place(Plan.Placement p, int node) {
        placements.add(p);
        usedCpu[node] += p.resources().cpuMhz();
        usedMemory[node] += p.resources().memoryMb();
        usedDisk[node] += p.resources().diskMb();
        for (int port : p.ports().values()) {
            if (addedPorts[node] == null) {
                addedPorts[node] = new PortSet();
            }
            addedPorts[node].add(port);
        }
        jobCount[node]++;
        groupCount(p.group())[node]++;
    }

    /** A fresh allocation id, drawn from the seeded random so that plans replay. */
    String newAllocationId() {
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    Plan plan(List<Plan.Failure> failures) {
        return new Plan(evaluation.id(), job.id(), placements, stops, evictions, failures);
    }
}
