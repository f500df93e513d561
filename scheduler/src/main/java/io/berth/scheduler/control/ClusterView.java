package io.berth.scheduler.control;

import io.berth.scheduler.placement.Allocation;
import io.berth.scheduler.placement.ClusterSnapshot;
import io.berth.scheduler.placement.Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The singleton's view of actual state: nodes, allocations and the jobs they belong to, plus the engine's
 * {@link ClusterSnapshot} of it, kept cheap to refresh. Every change to what the engine sees goes through
 * {@link #changed} (an allocation) or {@link #nodesChanged} (a node's status, eligibility, drain or facts);
 * {@link #snapshot} then patches just the changed allocations into the last snapshot, and rebuilds it whole only
 * after a node change. Thousands of state reports between two evaluations thus cost one patch, not one copy each.
 * Not thread-safe: confined to the singleton's actor.
 */
final class ClusterView {
    final Map<String, NodeEntry> nodes = new HashMap<>();
    final Map<String, AllocEntry> allocations = new HashMap<>();
    final Map<String, JobEntry> jobs = new HashMap<>();
    private final Map<String, AllocEntry> dirty = new LinkedHashMap<>();
    private ClusterSnapshot snapshot;
    private boolean rebuild = true;
    private int readyNodes;

    JobEntry job(String id) {
        return jobs.computeIfAbsent(id, JobEntry::new);
    }

    void addNode(NodeEntry n) {
        nodes.put(n.name, n);
        if (n.status == Node.Status.READY) {
            readyNodes++;
        }
        rebuild = true;
    }

    void setStatus(NodeEntry n, Node.Status status) {
        if (n.status != status) {
            readyNodes += status == Node.Status.READY ? 1 : -1;
            n.status = status;
            rebuild = true;
        }
    }

    int readyNodes() {
        return readyNodes;
    }

    void nodesChanged() {
        rebuild = true;
    }

    void add(AllocEntry a) {
        allocations.put(a.id, a);
        nodes.get(a.node).allocations.add(a.id);
        job(a.jobId).allocations.add(a.id);
        changed(a);
    }

    /** Forgets an allocation entirely (garbage collection of ended ones). */
    void remove(AllocEntry a) {
        allocations.remove(a.id);
        NodeEntry n = nodes.get(a.node);
        if (n != null) {
            n.allocations.remove(a.id);
        }
        JobEntry j = jobs.get(a.jobId);
        if (j != null) {
            j.allocations.remove(a.id);
        }
        changed(a);
    }

    /** Marks an allocation whose status, health, or stop or replacement changed. */
    void changed(AllocEntry a) {
        dirty.put(a.id, a);
    }

    /** The engine's view of the cluster now. */
    ClusterSnapshot snapshot() {
        if (rebuild || snapshot == null) {
            List<Node> ns = new ArrayList<>(nodes.size());
            for (NodeEntry n : nodes.values()) {
                ns.add(n.toNode());
            }
            List<Allocation> as = new ArrayList<>(allocations.size());
            for (AllocEntry a : allocations.values()) {
                a.presented = a.present();
                if (a.presented != null) {
                    as.add(a.presented);
                }
            }
            for (AllocEntry a : dirty.values()) {
                if (!allocations.containsKey(a.id)) {
                    a.presented = null;
                }
            }
            snapshot = ClusterSnapshot.of(ns, as);
            rebuild = false;
        } else if (!dirty.isEmpty()) {
            List<Allocation> upserts = new ArrayList<>(), removals = new ArrayList<>();
            for (AllocEntry a : dirty.values()) {
                Allocation now = allocations.containsKey(a.id) ? a.present() : null;
                if (now == null) {
                    if (a.presented != null) {
                        removals.add(a.presented);
                    }
                } else if (!now.equals(a.presented)) {
                    upserts.add(now);
                }
                a.presented = now;
            }
            snapshot = snapshot.withAllocations(upserts, removals);
        }
        dirty.clear();
        return snapshot;
    }
}
