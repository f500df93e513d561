package io.berth.scheduler.placement;

import io.berth.protocol.cluster.PortRanges;
import io.berth.protocol.job.Affinity;
import io.berth.protocol.job.Constraint;
import io.berth.protocol.job.Job;
import io.berth.protocol.job.JobType;
import io.berth.protocol.job.Port;
import io.berth.protocol.job.Resources;
import io.berth.protocol.job.Spread;
import io.berth.protocol.job.Task;
import io.berth.protocol.job.TaskGroup;
import io.berth.protocol.job.UpdateStrategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Small builders for nodes, allocations and jobs, so each test states only what matters to it. */
final class Fixtures {
    private Fixtures() {}

    static Node node(String id) {
        return node(id, 4000, 8192);
    }

    static Node node(String id, int cpu, int memory) {
        return new Node(id, "dc1", "linux", "amd64", "6.1.0", "2", Map.of(), new Capacity(cpu, memory, 100_000),
                Capacity.ZERO, Node.Status.READY, true, false, Set.of(), Node.DEFAULT_DYNAMIC_MIN,
                Node.DEFAULT_DYNAMIC_MAX);
    }

    /** A node whose operator reserved {@code reserved} and whose agent reports {@code inUse} used by others. */
    static Node node(String id, int dynamicMin, int dynamicMax, String reserved, String inUse) {
        Node n = node(id);
        return new Node(id, "dc1", n.os(), n.arch(), n.kernelVersion(), n.cgroupVersion(), Map.of(), n.capacity(),
                n.reserved(), Node.Status.READY, true, false, Set.of(), dynamicMin, dynamicMax,
                PortRanges.parse(reserved), PortRanges.parse(inUse));
    }

    static Node node(String id, String datacenter, Map<String, String> labels) {
        Node n = node(id);
        return new Node(id, datacenter, n.os(), n.arch(), n.kernelVersion(), n.cgroupVersion(), labels, n.capacity(),
                n.reserved(), n.status(), true, false, Set.of(), n.dynamicPortMin(), n.dynamicPortMax());
    }

    static Allocation alloc(String id, String job, String node, int priority, int cpu, int memory, Integer... ports) {
        return new Allocation(id, job, 1, "g", 0, priority, node, new Capacity(cpu, memory, 0), List.of(ports),
                Allocation.Status.RUNNING, true, false, null, 0);
    }

    static Task task(int cpu, int memory, Port... ports) {
        return new Task("t", "busybox", List.of(), List.of(), Map.of(), new Resources(cpu, memory, 0), null,
                List.of(ports), List.of(), List.of(), null, null, null, Map.of());
    }

    static TaskGroup group(int count, Task task) {
        return group(count, task, List.of(), List.of(), List.of(), null);
    }

    static TaskGroup group(int count, Task task, List<Constraint> constraints, List<Affinity> affinities,
            List<Spread> spreads, UpdateStrategy update) {
        return new TaskGroup("g", count, List.of(task), constraints, affinities, spreads, update, null, Map.of());
    }

    static Job job(String id, JobType type, int priority, TaskGroup group) {
        return new Job(id, type, priority, null, List.of(), List.of(group), List.of(), List.of(), List.of(), null,
                null, Map.of());
    }

    static Job service(String id, int count, int cpu, int memory) {
        return job(id, JobType.SERVICE, 50, group(count, task(cpu, memory)));
    }

    static ClusterSnapshot cluster(Node... nodes) {
        return ClusterSnapshot.of(List.of(nodes), List.of());
    }

    static ClusterSnapshot cluster(List<Node> nodes, Allocation... allocations) {
        return ClusterSnapshot.of(nodes, List.of(allocations));
    }

    static List<Node> nodes(int n) {
        List<Node> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(node("n" + i));
        }
        return list;
    }

    /** A context for exercising one checker or ranker alone. */
    static EvalContext context(ClusterSnapshot snapshot, Job job) {
        return new EvalContext(snapshot, Evaluation.of("e", job, 1), new java.util.Random(1));
    }
}
