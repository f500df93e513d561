package io.berth.scheduler.placement;

import static org.assertj.core.api.Assertions.assertThat;

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
import io.berth.protocol.job.UpdateStrategy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;

/** Properties of the engine over seeded random clusters and jobs: each try builds its world from the seed. */
class PlacementPropertiesTest {
    private static final String[] DCS = {"dc1", "dc2", "dc3"};

    @Property(tries = 200)
    void neverPlacesOverCapacity(@ForAll long seed) {
        Random r = new Random(seed);
        ClusterSnapshot s = randomCluster(r, 5 + r.nextInt(30));
        for (int j = 0; j < 3; j++) {
            s = s.apply(new Scheduler(s, r).process(Evaluation.of("e" + j, randomJob("j" + j, r), 1)));
        }
        for (int i = 0; i < s.size(); i++) {
            Node n = s.node(i);
            assertThat(s.free(i).cpuMhz()).as("cpu left on %s", n.id()).isGreaterThanOrEqualTo(0);
            assertThat(s.free(i).memoryMb()).as("memory left on %s", n.id()).isGreaterThanOrEqualTo(0);
            assertThat(s.free(i).diskMb()).as("disk left on %s", n.id()).isGreaterThanOrEqualTo(0);
        }
    }

    @Property(tries = 200)
    void neverPutsTwoAllocationsOnOneHostPortOfANode(@ForAll long seed) {
        Random r = new Random(seed);
        ClusterSnapshot s = randomCluster(r, 3 + r.nextInt(10));
        for (int j = 0; j < 4; j++) {
            s = s.apply(new Scheduler(s, r).process(Evaluation.of("e" + j, randomJob("j" + j, r), 1)));
        }
        for (int i = 0; i < s.size(); i++) {
            Set<Integer> seen = new HashSet<>();
            for (Allocation a : s.allocationsOn(i)) {
                if (!a.status().terminal()) {
                    for (int port : a.hostPorts()) {
                        assertThat(seen.add(port)).as("port %d on %s held twice", port, s.node(i).id()).isTrue();
                    }
                }
            }
        }
    }

    @Property(tries = 200)
    void spreadStaysWithinItsTargetsWhileThereIsRoom(@ForAll long seed) {
        Random r = new Random(seed);
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < 12 + r.nextInt(30); i++) {
            nodes.add(Fixtures.node("n" + i, DCS[i % 3], Map.of())); // 4000 MHz, 8 GiB: room for 40 of 100 MHz
        }
        int a = r.nextInt(101), b = r.nextInt(101 - a), c = 100 - a - b;
        int count = 1 + r.nextInt(60);
        Spread spread = new Spread("node.datacenter", 1 + r.nextInt(100), List.of(new SpreadTarget("dc1", a),
                new SpreadTarget("dc2", b), new SpreadTarget("dc3", c)));
        TaskGroup g = Fixtures.group(count, Fixtures.task(100, 100), List.of(), List.of(), List.of(spread), null);
        Plan plan = new Scheduler(ClusterSnapshot.of(nodes, List.of()), r)
                .process(Evaluation.of("e", Fixtures.job("j", JobType.SERVICE, 50, g), 1));
        assertThat(plan.placements()).hasSize(count);
        Map<String, Integer> perDc = new HashMap<>();
        for (Plan.Placement p : plan.placements()) {
            perDc.merge(nodes.get(Integer.parseInt(p.nodeId().substring(1))).datacenter(), 1, Integer::sum);
        }
        int[] percents = {a, b, c};
        for (int i = 0; i < 3; i++) {
            double target = count * percents[i] / 100.0;
            assertThat((double) perDc.getOrDefault(DCS[i], 0)).as("%s of %d at %d%%", DCS[i], count, percents[i])
                    .isStrictlyBetween(target - 1, target + 1);
        }
    }

    @Property(tries = 200)
    void placesOnlyOnNodesThatTakeWorkAndMeetTheConstraints(@ForAll long seed) {
        Random r = new Random(seed);
        ClusterSnapshot s = randomCluster(r, 3 + r.nextInt(30));
        Job job = randomJob("j", r);
        Plan plan = new Scheduler(s, r).process(Evaluation.of("e", job, 1));
        Set<String> used = new HashSet<>();
        for (Plan.Placement p : plan.placements()) {
            Node n = s.node(s.indexOf(p.nodeId()));
            assertThat(n.status()).isEqualTo(Node.Status.READY);
            assertThat(n.eligible()).isTrue();
            assertThat(n.draining()).isFalse();
            for (Constraint c : job.groups().get(0).constraints()) {
                switch (c.operator()) {
                    case EQUAL -> assertThat(n.attribute(c.attribute())).isEqualTo(c.value());
                    case VERSION -> assertThat(n.kernelVersion()).startsWith("6.");
                    case DISTINCT_HOSTS -> assertThat(used.add(n.id())).as("second allocation on %s", n.id()).isTrue();
                    default -> throw new IllegalStateException("randomJob makes no " + c.operator());
                }
            }
        }
    }

    @Property(tries = 100)
    void aSystemJobRunsOnceOnEveryNodeThatTakesWork(@ForAll long seed) {
        Random r = new Random(seed);
        ClusterSnapshot s = randomCluster(r, 1 + r.nextInt(30));
        Job system = Fixtures.job("sys", JobType.SYSTEM, 50, Fixtures.group(1, Fixtures.task(50, 64)));
        for (int round = 0; round < 2; round++) { // the second round must change nothing
            Plan plan = new Scheduler(s, r).process(Evaluation.of("e" + round, system, 1));
            assertThat(plan.stops()).isEmpty();
            if (round == 1) {
                assertThat(plan.placements()).isEmpty();
            }
            s = s.apply(plan);
        }
        for (int i = 0; i < s.size(); i++) {
            Node n = s.node(i);
            long mine = s.allocationsOn(i).stream().filter(a -> a.jobId().equals("sys")).count();
            boolean takesWork = n.status() == Node.Status.READY && n.eligible() && !n.draining();
            assertThat(mine).as("allocations on %s", n.id()).isEqualTo(takesWork ? 1 : 0);
        }
    }

    @Property(tries = 100)
    void theSameSeedGivesTheSamePlans(@ForAll long seed) {
        List<Plan> first = run(seed), second = run(seed);
        assertThat(second).isEqualTo(first);
    }

    private static List<Plan> run(long seed) {
        Random r = new Random(seed);
        ClusterSnapshot s = randomCluster(r, 5 + r.nextInt(30));
        List<Plan> plans = new ArrayList<>();
        for (int j = 0; j < 3; j++) {
            Plan p = new Scheduler(s, r).process(Evaluation.of("e" + j, randomJob("j" + j, r), 1));
            plans.add(p);
            s = s.apply(p);
        }
        return plans;
    }

    @Property(tries = 200)
    void preemptionNeverEvictsEqualOrHigherPriority(@ForAll long seed) {
        Random r = new Random(seed);
        // a small, crowded cluster of work at random priorities
        ClusterSnapshot s = randomCluster(r, 2 + r.nextInt(5));
        for (int j = 0; j < 6; j++) {
            s = s.apply(new Scheduler(s, r).process(Evaluation.of("f" + j, randomJob("filler" + j, r), 1)));
        }
        Map<String, Integer> priorities = new HashMap<>();
        for (int i = 0; i < s.size(); i++) {
            s.allocationsOn(i).forEach(a -> priorities.put(a.id(), a.priority()));
        }
        Job urgent = randomJob("urgent", r);
        Plan plan = new Scheduler(s, r).process(Evaluation.of("u", urgent, 1));
        Statistics.collect(plan.evictions().isEmpty() ? "no eviction" : "evictions");
        Statistics.coverage(c -> c.check("evictions").percentage(pct -> pct > 5)); // the property is not vacuous
        for (Plan.Stop eviction : plan.evictions()) {
            assertThat(priorities.get(eviction.allocationId())).as("priority of evicted %s", eviction.allocationId())
                    .isLessThan(urgent.priority());
        }
        ClusterSnapshot after = s.apply(plan);
        for (int i = 0; i < after.size(); i++) {
            assertThat(after.free(i).cpuMhz()).isGreaterThanOrEqualTo(0);
            assertThat(after.free(i).memoryMb()).isGreaterThanOrEqualTo(0);
        }
    }

    @Property(tries = 100)
    void aRollingUpdateNeverDropsBelowItsHealthyMinimum(@ForAll long seed) {
        Random r = new Random(seed);
        int count = 1 + r.nextInt(12), maxParallel = 1 + r.nextInt(4);
        UpdateStrategy update = new UpdateStrategy(maxParallel, null, null, null, null, null);
        TaskGroup g = Fixtures.group(count, Fixtures.task(100, 100), List.of(), List.of(), List.of(), update);
        Job job = Fixtures.job("j", JobType.SERVICE, 50, g);
        ClusterSnapshot empty = ClusterSnapshot.of(Fixtures.nodes(count + 2), List.of());
        ClusterSnapshot s = SchedulerTest.healthy(empty.apply(new Scheduler(empty, r).process(Evaluation.of("e", job, 1))),
                true);
        for (int step = 0; step < 4 * count + 8; step++) {
            s = s.apply(new Scheduler(s, r).process(Evaluation.of("e" + step, job, 2)));
            long healthy = s.allocationsOf("j").stream()
                    .filter(a -> !a.status().terminal() && Boolean.TRUE.equals(a.healthy())).count();
            assertThat(healthy).as("healthy after step %d", step).isGreaterThanOrEqualTo(count - maxParallel);
            // new allocations start, then turn healthy or not, at random
            List<Allocation> all = new ArrayList<>();
            for (int i = 0; i < s.size(); i++) {
                for (Allocation a : s.allocationsOn(i)) {
                    all.add(a.healthy() == null && r.nextInt(3) > 0 ? a.with(Allocation.Status.RUNNING, true) : a);
                }
            }
            s = ClusterSnapshot.of(s.nodes(), all);
        }
    }

    /** Nodes of random size and state, some with random lower-priority work and static ports already on them. */
    static ClusterSnapshot randomCluster(Random r, int n) {
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Node.Status status = r.nextInt(10) == 0 ? Node.Status.DOWN : Node.Status.READY;
            nodes.add(new Node("n" + i, DCS[r.nextInt(3)], "linux", r.nextInt(5) == 0 ? "arm64" : "amd64",
                    r.nextBoolean() ? "5.4.0" : "6.1.0", "2", Map.of("rack", "r" + r.nextInt(4)),
                    new Capacity(1000 + r.nextInt(8000), 1024 + r.nextInt(8192), 10_000 + r.nextInt(50_000)),
                    new Capacity(r.nextInt(500), r.nextInt(512), 0), status, r.nextInt(10) > 0, r.nextInt(12) == 0,
                    Set.of(), 20000, 20000 + r.nextInt(50)));
        }
        return ClusterSnapshot.of(nodes, List.of());
    }

    /** A job of random type, priority, size, ports (static from a small set, so they collide) and constraints. */
    static Job randomJob(String id, Random r) {
        List<Port> ports = new ArrayList<>();
        if (r.nextBoolean()) {
            ports.add(new Port("s", 80 + r.nextInt(3), null));
        }
        for (int i = 0; i < r.nextInt(3); i++) {
            ports.add(new Port("d" + i, null, null));
        }
        Task t = new Task("t", "busybox", List.of(), List.of(), Map.of(),
                new Resources(100 + r.nextInt(1500), 64 + r.nextInt(2048), r.nextInt(2000)), null, ports, List.of(),
                List.of(), null, null, null, Map.of());
        List<Constraint> constraints = new ArrayList<>();
        if (r.nextBoolean()) {
            constraints.add(new Constraint("attr.arch", Operator.EQUAL, "amd64"));
        }
        if (r.nextInt(4) == 0) {
            constraints.add(new Constraint(null, Operator.DISTINCT_HOSTS, null));
        }
        if (r.nextInt(4) == 0) {
            constraints.add(new Constraint("attr.kernel.version", Operator.VERSION, ">= 6"));
        }
        List<Spread> spreads = r.nextInt(3) == 0 ? List.of(new Spread("node.datacenter", 50, List.of())) : List.of();
        JobType type = r.nextInt(5) == 0 ? JobType.BATCH : JobType.SERVICE;
        TaskGroup g = new TaskGroup("g", 1 + r.nextInt(20), List.of(t), constraints, List.of(), spreads, null, null,
                Map.of());
        return new Job(id, type, 1 + r.nextInt(100), null, List.of(), List.of(g), List.of(), List.of(), List.of(),
                null, null, Map.of());
    }
}
