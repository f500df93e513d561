package io.berth.scheduler.placement.bench;

import io.berth.protocol.job.Constraint;
import io.berth.protocol.job.Job;
import io.berth.protocol.job.JobType;
import io.berth.protocol.job.Operator;
import io.berth.protocol.job.Port;
import io.berth.protocol.job.Resources;
import io.berth.protocol.job.Spread;
import io.berth.protocol.job.SpreadTarget;
import io.berth.protocol.job.Task;
import io.berth.protocol.job.TaskGroup;
import io.berth.scheduler.placement.Allocation;
import io.berth.scheduler.placement.Capacity;
import io.berth.scheduler.placement.ClusterSnapshot;
import io.berth.scheduler.placement.Evaluation;
import io.berth.scheduler.placement.Node;
import io.berth.scheduler.placement.Plan;
import io.berth.scheduler.placement.Scheduler;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Placements per second of the engine alone ({@link Scheduler#process}, no cluster, no network), on seeded random
 * clusters of 1,000, 5,000 and 10,000 nodes already about a quarter full: service jobs of 100 instances, each with
 * three constraints (architecture, a kernel version range, a rack regexp), a spread over three datacenters with
 * targets, and a dynamic port. Every plan is applied to the snapshot before the next job, outside the timing, as a
 * plan applier would. Run it with {@code berth bench schedule} or this class's {@code main} ({@code --json}).
 */
public final class EngineBenchmark {
    /** The node counts measured. */
    public static final int[] NODE_COUNTS = {1_000, 5_000, 10_000};
    private static final int JOBS = 200;
    private static final int COUNT = 100;
    private static final String[] DATACENTERS = {"dc1", "dc2", "dc3"};
    private static final String[] KERNELS = {"5.4.0-150-generic", "5.10.0-28-amd64", "6.1.0-18-amd64", "6.18.0-1-amd64"};

    private EngineBenchmark() {}

    public static void main(String[] args) {
        boolean json = List.of(args).contains("--json");
        Map<Integer, Measurement> result = run(42);
        System.out.println(json ? toJson(result) : toTable(result));
    }

    /** A measurement per node count, after a warm-up; the placements are deterministic for a seed, timings not. */
    public static Map<Integer, Measurement> run(long seed) {
        // warm-up, as JMH would: let the JIT compile the hot loop on other clusters first
        measure(1_000, seed + 1);
        measure(5_000, seed + 2);
        Map<Integer, Measurement> result = new LinkedHashMap<>();
        for (int nodes : NODE_COUNTS) {
            result.put(nodes, measure(nodes, seed));
        }
        return result;
    }

    /**
     * Places {@value #JOBS} jobs of {@value #COUNT} on a random cluster of {@code nodes}; placements per second of
     * the scheduling thread's CPU time. CPU time rather than wall time because this machine is shared: under load
     * the wall clock measures the neighbours (both are printed by {@link #main}).
     */
    public static double placementsPerSecond(int nodes, long seed) {
        return measure(nodes, seed).perCpuSecond();
    }

    /** One measurement: placements, and the CPU and wall nanoseconds {@link Scheduler#process} took for them. */
    public record Measurement(long placements, long cpuNanos, long wallNanos) {
        public double perCpuSecond() {
            return placements / (cpuNanos / 1e9);
        }

        public double perWallSecond() {
            return placements / (wallNanos / 1e9);
        }
    }

    public static Measurement measure(int nodes, long seed) {
        Random random = new Random(seed);
        ClusterSnapshot snapshot = cluster(nodes, random);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu = 0;
        long wall = 0;
        long placed = 0;
        for (int j = 0; j < JOBS; j++) {
            Evaluation eval = Evaluation.of("eval-" + j, job("bench-" + j, random), 1);
            Scheduler scheduler = new Scheduler(snapshot, random);
            long cpuStart = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            Plan plan = scheduler.process(eval);
            wall += System.nanoTime() - start;
            cpu += threads.getCurrentThreadCpuTime() - cpuStart;
            placed += plan.placements().size();
            if (!plan.failures().isEmpty()) {
                throw new IllegalStateException("benchmark cluster too small: " + plan.explain());
            }
            snapshot = snapshot.apply(plan);
        }
        return new Measurement(placed, cpu, wall);
    }

    /** A cluster of Linux nodes, mostly amd64, over three datacenters and twenty racks, about 25% allocated. */
    static ClusterSnapshot cluster(int size, Random random) {
        List<Node> nodes = new ArrayList<>(size);
        List<Allocation> allocations = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            int cores = 4 << random.nextInt(3);
            Capacity capacity = new Capacity(cores * 2500, cores * 4096, 200_000);
            Node n = new Node(String.format("node-%05d", i), DATACENTERS[random.nextInt(DATACENTERS.length)], "linux",
                    random.nextInt(10) == 0 ? "arm64" : "amd64", KERNELS[random.nextInt(KERNELS.length)],
                    random.nextBoolean() ? "2" : "1", Map.of("rack", "r" + random.nextInt(20)), capacity,
                    new Capacity(500, 1024, 10_000), Node.Status.READY, true, false, Set.of(),
                    Node.DEFAULT_DYNAMIC_MIN, Node.DEFAULT_DYNAMIC_MAX);
            nodes.add(n);
            for (int k = 0; k < cores / 2; k++) {
                allocations.add(new Allocation("filler-" + i + "-" + k, "filler", 1, "g", i * 16 + k, 20, n.id(),
                        new Capacity(1200, 2048, 1000), List.of(21000 + k), Allocation.Status.RUNNING, true, false,
                        null, 0));
            }
        }
        return ClusterSnapshot.of(nodes, allocations);
    }

    static Job job(String id, Random random) {
        Task task = new Task("app", "docker.io/library/busybox:1.36", List.of(), List.of(), Map.of(),
                new Resources(100 + random.nextInt(5) * 100, 128 << random.nextInt(3), 100), null,
                List.of(new Port("http", null, 8080)), List.of(), List.of(), null, null, null, Map.of());
        List<Constraint> constraints = List.of(
                new Constraint("attr.arch", Operator.EQUAL, "amd64"),
                new Constraint("attr.kernel.version", Operator.VERSION, ">= 5.10, < 7"),
                new Constraint("meta.rack", Operator.REGEXP, "^r1?[0-8]$"));
        Spread spread = new Spread("node.datacenter", 50, List.of(
                new SpreadTarget("dc1", 50), new SpreadTarget("dc2", 30), new SpreadTarget("dc3", 20)));
        TaskGroup group = new TaskGroup("app", COUNT, List.of(task), List.of(), List.of(), List.of(), null, null,
                Map.of());
        return new Job(id, JobType.SERVICE, 50, null, List.of(), List.of(group), constraints, List.of(),
                List.of(spread), null, null, Map.of());
    }

    /**
     * {@code {"engine_placements_per_s": {"1000": .., ...}, "engine_placements_per_wall_s": {...}}}: the first per
     * second of scheduling-thread CPU time, the second per second of wall time.
     */
    public static String toJson(Map<Integer, Measurement> result) {
        return "{\"engine_placements_per_s\": " + jsonRates(result, true)
                + ", \"engine_placements_per_wall_s\": " + jsonRates(result, false) + "}";
    }

    private static String jsonRates(Map<Integer, Measurement> result, boolean cpu) {
        StringBuilder b = new StringBuilder("{");
        String sep = "";
        for (Map.Entry<Integer, Measurement> e : result.entrySet()) {
            double rate = cpu ? e.getValue().perCpuSecond() : e.getValue().perWallSecond();
            b.append(sep).append('"').append(e.getKey()).append("\": ").append(Math.round(rate));
            sep = ", ";
        }
        return b.append('}').toString();
    }

    /** A readable table of the figures. */
    public static String toTable(Map<Integer, Measurement> result) {
        StringBuilder b = new StringBuilder("engine alone: " + JOBS + " service jobs x " + COUNT
                + " instances per size, 3 constraints + a 3-datacenter spread + a dynamic port each\n");
        result.forEach((nodes, m) -> b.append(String.format(
                "  %,6d nodes: %,10.0f placements/s (CPU time)  %,10.0f placements/s (wall)%n",
                nodes, m.perCpuSecond(), m.perWallSecond())));
        return b.toString().stripTrailing();
    }
}
