package io.berth.scheduler.placement;

import io.berth.protocol.cluster.PortRanges;
import io.berth.protocol.job.Operator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the scheduler knows of the cluster at one instant: the nodes and every allocation on them. Immutable and
 * thread-safe; derived figures (free resources and used ports per node) are computed once, at construction, so
 * the engine's hot loop reads arrays. {@link #apply} yields the snapshot a plan leads to, recomputing only the
 * nodes it touches.
 */
public final class ClusterSnapshot {
    /**
     * Everything derived from the nodes alone. Node attributes never change within a node set, so this is shared
     * by every snapshot {@link #apply} derives, caches included (Nomad caches feasibility by computed node class
     * for the same reason).
     */
    private static final class NodeTable {
        final Node[] nodes;
        final Map<String, Integer> indexById;
        final byte[] state;
        final int[] allocatableCpu;
        final int[] allocatableMemory;
        final int[] dynamicMin;
        final int[] dynamicMax;
        /** The ports never given out on each node (reserved, or in use by others); null for none. */
        final PortRanges[] blockedPorts;
        /** How many of them lie in the node's dynamic range. */
        final int[] blockedDynamic;
        final Map<String, String[]> attributeColumns = new ConcurrentHashMap<>();
        final Map<String, AttributeCodes> codes = new ConcurrentHashMap<>();
        final Map<String, AttributeMatcher> matchers = new ConcurrentHashMap<>();
        final Map<String, byte[]> memos = new ConcurrentHashMap<>();

        NodeTable(Node[] nodes) {
            this.nodes = nodes;
            int n = nodes.length;
            indexById = new HashMap<>(n * 2);
            state = new byte[n];
            allocatableCpu = new int[n];
            allocatableMemory = new int[n];
            dynamicMin = new int[n];
            dynamicMax = new int[n];
            blockedPorts = new PortRanges[n];
            blockedDynamic = new int[n];
            for (int i = 0; i < n; i++) {
                Node node = nodes[i];
                if (indexById.put(node.id(), i) != null) {
                    throw new IllegalArgumentException("two nodes have the id " + node.id());
                }
                state[i] = node.status() != Node.Status.READY ? (byte) 1
                        : !node.eligible() ? (byte) 2 : node.draining() ? (byte) 3 : 0;
                allocatableCpu[i] = node.capacity().cpuMhz() - node.reserved().cpuMhz();
                allocatableMemory[i] = node.capacity().memoryMb() - node.reserved().memoryMb();
                dynamicMin[i] = node.dynamicPortMin();
                dynamicMax[i] = node.dynamicPortMax();
                PortRanges blocked = node.reservedPorts().union(node.hostPortsInUse());
                if (!blocked.isEmpty()) {
                    blockedPorts[i] = blocked;
                    blockedDynamic[i] = blocked.countIn(dynamicMin[i], dynamicMax[i]);
                }
            }
        }
    }

    private final NodeTable table;
    private final Node[] nodes;
    private final List<Allocation>[] allocationsOn;
    private final Map<String, List<Allocation>> allocationsOf;
    private final int[] freeCpu;
    private final int[] freeMemory;
    private final int[] freeDisk;
    private final int[][] usedPorts;
    private final int[] usedPortCount; // usedPorts[i].length, without touching the array in the hot loop

    private ClusterSnapshot(NodeTable table, List<Allocation>[] allocationsOn,
            Map<String, List<Allocation>> allocationsOf, int[] freeCpu, int[] freeMemory, int[] freeDisk,
            int[][] usedPorts, int[] usedPortCount) {
        this.table = table;
        this.nodes = table.nodes;
        this.allocationsOn = allocationsOn;
        this.allocationsOf = allocationsOf;
        this.freeCpu = freeCpu;
        this.freeMemory = freeMemory;
        this.freeDisk = freeDisk;
        this.usedPorts = usedPorts;
        this.usedPortCount = usedPortCount;
    }

    /**
     * A snapshot of these nodes (in this order, which is the order node indexes refer to) and allocations.
     *
     * @throws IllegalArgumentException if two nodes share an id or an allocation names an unknown node
     */
    @SuppressWarnings("unchecked")
    public static ClusterSnapshot of(Collection<Node> nodes, Collection<Allocation> allocations) {
        NodeTable table = new NodeTable(nodes.toArray(new Node[0]));
        int n = table.nodes.length;
        List<Allocation>[] on = new List[n];
        Map<String, List<Allocation>> of = new HashMap<>();
        for (Allocation a : allocations) {
            Integer i = table.indexById.get(a.nodeId());
            if (i == null) {
                throw new IllegalArgumentException("allocation " + a.id() + " is on unknown node " + a.nodeId());
            }
            if (on[i] == null) {
                on[i] = new ArrayList<>();
            }
            on[i].add(a);
            of.computeIfAbsent(a.jobId(), j -> new ArrayList<>()).add(a);
        }
        of.replaceAll((j, list) -> List.copyOf(list));
        ClusterSnapshot s = new ClusterSnapshot(table, on, of, new int[n], new int[n], new int[n], new int[n][],
                new int[n]);
        for (int i = 0; i < n; i++) {
            on[i] = on[i] == null ? List.of() : List.copyOf(on[i]);
            s.recompute(i);
        }
        return s;
    }

    private void recompute(int i) {
        Node n = nodes[i];
        int cpu = n.capacity().cpuMhz() - n.reserved().cpuMhz();
        int mem = n.capacity().memoryMb() - n.reserved().memoryMb();
        int disk = n.capacity().diskMb() - n.reserved().diskMb();
        int ports = 0;
        for (Allocation a : allocationsOn[i]) {
            if (!a.status().terminal()) {
                cpu -= a.resources().cpuMhz();
                mem -= a.resources().memoryMb();
                disk -= a.resources().diskMb();
                ports += a.hostPorts().size();
            }
        }
        int[] used = new int[ports];
        int k = 0;
        for (Allocation a : allocationsOn[i]) {
            if (!a.status().terminal()) {
                for (int p : a.hostPorts()) {
                    used[k++] = p;
                }
            }
        }
        Arrays.sort(used);
        freeCpu[i] = cpu;
        freeMemory[i] = mem;
        freeDisk[i] = disk;
        usedPorts[i] = used;
        usedPortCount[i] = used.length;
    }

    /** The number of nodes; node indexes run from 0 to size - 1. */
    public int size() {
        return nodes.length;
    }

    public Node node(int index) {
        return nodes[index];
    }

    /** Every node, in index order. */
    public List<Node> nodes() {
        return Collections.unmodifiableList(Arrays.asList(nodes));
    }

    /** The index of the node with that id, or -1. */
    public int indexOf(String nodeId) {
        Integer i = table.indexById.get(nodeId);
        return i == null ? -1 : i;
    }

    /** Every allocation on a node, terminal ones included. */
    public List<Allocation> allocationsOn(int index) {
        return allocationsOn[index];
    }

    /** Every allocation of a job, terminal ones included; empty for an unknown job. */
    public List<Allocation> allocationsOf(String jobId) {
        return allocationsOf.getOrDefault(jobId, List.of());
    }

    /** What a node still has for allocations: capacity minus reserved minus every non-terminal allocation. */
    public Capacity free(int index) {
        return new Capacity(freeCpu[index], freeMemory[index], freeDisk[index]);
    }

    /** Every node's value of an attribute ({@link Node#attribute}), by node index; shared, do not modify. */
    String[] attributeColumn(String attribute) {
        return table.attributeColumns.computeIfAbsent(attribute, a -> {
            String[] column = new String[nodes.length];
            for (int i = 0; i < nodes.length; i++) {
                column[i] = nodes[i].attribute(a);
            }
            return column;
        });
    }

    /**
     * A per-node byte array for memoising an answer that depends only on node attributes, one per key, shared
     * with derived snapshots. Entries are written without locking: each is a pure function of the node, so a
     * racing writer writes the same value.
     */
    byte[] nodeMemo(String key) {
        return table.memos.computeIfAbsent(key, k -> new byte[nodes.length]);
    }

    /**
     * An attribute's distinct values (sorted) as codes 0..k-1, each node's code (-1 without the attribute), and the
     * nodes of each code in index order; shared, do not modify.
     */
    AttributeCodes codes(String attribute) {
        return table.codes.computeIfAbsent(attribute, a -> AttributeCodes.of(attributeColumn(a)));
    }

    /** A compiled constraint or affinity comparison, shared. */
    AttributeMatcher matcher(Operator operator, String value) {
        return table.matchers.computeIfAbsent(operator.spelling() + '\0' + value,
                k -> new AttributeMatcher(operator, value));
    }

    /** 0 when the node takes new work; 1 down, 2 ineligible, 3 draining. */
    byte state(int index) {
        return table.state[index];
    }

    /** Capacity minus reserved CPU. */
    int allocatableCpu(int index) {
        return table.allocatableCpu[index];
    }

    /** Capacity minus reserved memory. */
    int allocatableMemory(int index) {
        return table.allocatableMemory[index];
    }

    int dynamicPortMin(int index) {
        return table.dynamicMin[index];
    }

    int dynamicPortMax(int index) {
        return table.dynamicMax[index];
    }

    /**
     * True when the node never gives out that host port: its operator reserved it, or another program on the host
     * uses it.
     */
    boolean portBlocked(int index, int port) {
        PortRanges blocked = table.blockedPorts[index];
        return blocked != null && blocked.contains(port);
    }

    /** How many ports of the node's dynamic range it never gives out (see {@link #portBlocked}). */
    int blockedDynamicCount(int index) {
        return table.blockedDynamic[index];
    }

    /** How many host ports non-terminal allocations hold on the node. */
    int usedPortCount(int index) {
        return usedPortCount[index];
    }

    int freeCpu(int index) {
        return freeCpu[index];
    }

    int freeMemory(int index) {
        return freeMemory[index];
    }

    int freeDisk(int index) {
        return freeDisk[index];
    }

    /** True when a non-terminal allocation on the node holds that host port. */
    public boolean portInUse(int index, int port) {
        return Arrays.binarySearch(usedPorts[index], port) >= 0;
    }

    /**
     * The snapshot after a plan: its stops and evictions removed, its placements added as PENDING allocations.
     *
     * @throws IllegalArgumentException if the plan names an unknown node
     */
    public ClusterSnapshot apply(Plan plan) {
        List<Allocation>[] on = allocationsOn.clone();
        Map<String, List<Allocation>> of = new HashMap<>(allocationsOf);
        boolean[] touched = new boolean[nodes.length];
        List<Plan.Stop> removals = new ArrayList<>(plan.stops());
        removals.addAll(plan.evictions());
        Map<Integer, List<String>> removeByNode = new HashMap<>();
        Map<String, List<String>> removeByJob = new HashMap<>();
        for (Plan.Stop stop : removals) {
            int i = requireNode(stop.nodeId());
            removeByNode.computeIfAbsent(i, k -> new ArrayList<>()).add(stop.allocationId());
            removeByJob.computeIfAbsent(stop.jobId(), k -> new ArrayList<>()).add(stop.allocationId());
        }
        removeByNode.forEach((i, ids) -> {
            on[i] = on[i].stream().filter(a -> !ids.contains(a.id())).toList();
            touched[i] = true;
        });
        removeByJob.forEach((job, ids) -> of.computeIfPresent(job,
                (j, list) -> list.stream().filter(a -> !ids.contains(a.id())).toList()));
        Map<Integer, List<Allocation>> addByNode = new HashMap<>();
        Map<String, List<Allocation>> addByJob = new HashMap<>();
        for (Plan.Placement p : plan.placements()) {
            int i = requireNode(p.nodeId());
            Allocation a = p.toAllocation();
            addByNode.computeIfAbsent(i, k -> new ArrayList<>()).add(a);
            addByJob.computeIfAbsent(a.jobId(), k -> new ArrayList<>()).add(a);
        }
        addByNode.forEach((i, added) -> {
            List<Allocation> merged = new ArrayList<>(on[i]);
            merged.addAll(added);
            on[i] = List.copyOf(merged);
            touched[i] = true;
        });
        addByJob.forEach((job, added) -> {
            List<Allocation> merged = new ArrayList<>(of.getOrDefault(job, List.of()));
            merged.addAll(added);
            of.put(job, List.copyOf(merged));
        });
        ClusterSnapshot s = new ClusterSnapshot(table, on, of, freeCpu.clone(), freeMemory.clone(), freeDisk.clone(),
                usedPorts.clone(), usedPortCount.clone());
        for (int i = 0; i < nodes.length; i++) {
            if (touched[i]) {
                s.recompute(i);
            }
        }
        return s;
    }

    /**
     * The snapshot with allocations added, put in place of the one with the same id, or taken out, recomputing
     * only the nodes they are on. An allocation never moves between nodes, so a replacement names the same node.
     *
     * @param upserts allocations to add or replace
     * @param removals allocations to take out, matched by id; ones the snapshot does not hold are ignored
     * @throws IllegalArgumentException if an allocation names an unknown node
     */
    public ClusterSnapshot withAllocations(Collection<Allocation> upserts, Collection<Allocation> removals) {
        Map<Integer, Map<String, Allocation>> byNode = new HashMap<>();
        Map<String, Map<String, Allocation>> byJob = new HashMap<>();
        for (Allocation a : removals) {
            byNode.computeIfAbsent(requireNode(a.nodeId()), k -> new HashMap<>()).put(a.id(), null);
            byJob.computeIfAbsent(a.jobId(), k -> new HashMap<>()).put(a.id(), null);
        }
        for (Allocation a : upserts) {
            byNode.computeIfAbsent(requireNode(a.nodeId()), k -> new HashMap<>()).put(a.id(), a);
            byJob.computeIfAbsent(a.jobId(), k -> new HashMap<>()).put(a.id(), a);
        }
        List<Allocation>[] on = allocationsOn.clone();
        Map<String, List<Allocation>> of = new HashMap<>(allocationsOf);
        byNode.forEach((i, changes) -> on[i] = merged(on[i], changes));
        byJob.forEach((job, changes) -> {
            List<Allocation> list = merged(of.getOrDefault(job, List.of()), changes);
            if (list.isEmpty()) {
                of.remove(job);
            } else {
                of.put(job, list);
            }
        });
        ClusterSnapshot s = new ClusterSnapshot(table, on, of, freeCpu.clone(), freeMemory.clone(), freeDisk.clone(),
                usedPorts.clone(), usedPortCount.clone());
        for (int i : byNode.keySet()) {
            s.recompute(i);
        }
        return s;
    }

    /** {@code list} without the allocations {@code changes} names, plus the non-null values of {@code changes}. */
    private static List<Allocation> merged(List<Allocation> list, Map<String, Allocation> changes) {
        List<Allocation> out = new ArrayList<>(list.size() + changes.size());
        for (Allocation a : list) {
            if (!changes.containsKey(a.id())) {
                out.add(a);
            }
        }
        for (Allocation a : changes.values()) {
            if (a != null) {
                out.add(a);
            }
        }
        return List.copyOf(out);
    }

    /** The snapshot with one node replaced (same id) or added. */
    public ClusterSnapshot withNode(Node node) {
        List<Node> list = new ArrayList<>(Arrays.asList(nodes));
        int i = indexOf(node.id());
        if (i >= 0) {
            list.set(i, node);
        } else {
            list.add(node);
        }
        List<Allocation> all = new ArrayList<>();
        for (List<Allocation> l : allocationsOn) {
            all.addAll(l);
        }
        return of(list, all);
    }

    private int requireNode(String nodeId) {
        int i = indexOf(nodeId);
        if (i < 0) {
            throw new IllegalArgumentException("the plan names unknown node " + nodeId);
        }
        return i;
    }
}
