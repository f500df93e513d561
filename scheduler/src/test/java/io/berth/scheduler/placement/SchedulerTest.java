package io.berth.scheduler.placement;

import static io.berth.scheduler.placement.Fixtures.alloc;
import static io.berth.scheduler.placement.Fixtures.cluster;
import static io.berth.scheduler.placement.Fixtures.node;
import static io.berth.scheduler.placement.Fixtures.nodes;
import static io.berth.scheduler.placement.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.protocol.job.Constraint;
import io.berth.protocol.job.Job;
import io.berth.protocol.job.JobSpecs;
import io.berth.protocol.job.JobType;
import io.berth.protocol.job.Operator;
import io.berth.protocol.job.Port;
import io.berth.protocol.job.TaskGroup;
import io.berth.protocol.job.UpdateStrategy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    private static final Path EXAMPLES = Path.of("..", "ops", "examples");

    private static Plan plan(ClusterSnapshot s, Job job, long version) {
        return new Scheduler(s, new Random(7)).process(Evaluation.of("e", job, version));
    }

    @Test
    void placesTheWebExampleOnThreeDistinctNodesWithDynamicPorts() {
        Job web = JobSpecs.parse(EXAMPLES.resolve("web.json"));
        Plan plan = plan(ClusterSnapshot.of(nodes(5), List.of()), web, 1);
        assertThat(plan.failures()).isEmpty();
        assertThat(plan.placements()).hasSize(3);
        assertThat(plan.placements()).extracting(Plan.Placement::nodeId).doesNotHaveDuplicates();
        assertThat(plan.placements()).extracting(Plan.Placement::index).containsExactlyInAnyOrder(0, 1, 2);
        assertThat(plan.placements()).allSatisfy(p -> assertThat(p.ports().get("http")).isBetween(20000, 32000));
    }

    @Test
    void explainsPerConstraintWhyAGroupFitsNowhere() {
        Node small = node("small", 4000, 512);
        Node base = node("x");
        Node arm = new Node("arm", "dc1", "linux", "arm64", "6.1", "2", Map.of(), base.capacity(), base.reserved(),
                Node.Status.READY, true, false, Set.of(), 20000, 32000);
        Node arm2 = new Node("arm2", "dc1", "linux", "arm64", "6.1", "2", Map.of(), base.capacity(), base.reserved(),
                Node.Status.READY, true, false, Set.of(), 20000, 32000);
        Node down = node("down").with(Node.Status.DOWN, true, false);
        TaskGroup g = Fixtures.group(5, Fixtures.task(100, 2048),
                List.of(new Constraint("attr.arch", Operator.EQUAL, "amd64")), List.of(), List.of(), null);
        Plan plan = plan(cluster(small, arm, arm2, down, node("ok")), Fixtures.job("j", JobType.SERVICE, 50, g), 1);

        // "ok" (8192 MiB) takes four of 2048 MiB; the fifth fits nowhere
        assertThat(plan.placements()).hasSize(4).allSatisfy(p -> assertThat(p.nodeId()).isEqualTo("ok"));
        assertThat(plan.failures()).singleElement().satisfies(f -> {
            assertThat(f.group()).isEqualTo("g");
            assertThat(f.unplaced()).isEqualTo(1);
            assertThat(f.nodesEvaluated()).isEqualTo(5);
            assertThat(f.filtered()).isEqualTo(Map.of("attr.arch = amd64", 2, "node down", 1));
            assertThat(f.exhausted()).isEqualTo(Map.of("memory", 2));
        });
        assertThat(plan.explain()).isEqualTo("""
                group "g": 1 unplaced
                  * nodes evaluated: 5
                  * constraint "attr.arch = amd64": 2 nodes filtered
                  * constraint "node down": 1 nodes filtered
                  * resources exhausted on 2 nodes: memory""");
    }

    @Test
    void aStaticPortReservedOnEveryNodeLeavesTheGroupUnplacedAndTheExplanationSaysWhy() {
        Node reserving = Fixtures.node("reserving", 20000, 32000, "22,80,8000-8100", "");
        Node using = Fixtures.node("using", 20000, 32000, "", "80");
        TaskGroup g = Fixtures.group(1, Fixtures.task(100, 64, new Port("http", 80, null)));
        Plan plan = plan(cluster(reserving, using), Fixtures.job("j", JobType.SERVICE, 50, g), 1);

        assertThat(plan.placements()).isEmpty();
        assertThat(plan.explain()).isEqualTo("""
                group "g": 1 unplaced
                  * nodes evaluated: 2
                  * constraint "port 80 in use on the host by another program": 1 nodes filtered
                  * constraint "port 80 reserved on the node": 1 nodes filtered""");
        // a free node takes it
        Plan elsewhere = plan(cluster(reserving, using, node("free")), Fixtures.job("j", JobType.SERVICE, 50, g), 1);
        assertThat(elsewhere.placements()).singleElement().extracting(Plan.Placement::nodeId).isEqualTo("free");
    }

    @Test
    void preemptsTheCheapestLowerPriorityAllocationsOnly() {
        // one node, full: a priority-10 and a priority-40 allocation each big enough, and a priority-50 one
        ClusterSnapshot s = cluster(List.of(node("a", 3000, 3000)),
                alloc("low", "batchy", "a", 10, 1000, 1000),
                alloc("mid", "other", "a", 40, 1000, 1000),
                alloc("same", "peer", "a", 50, 1000, 1000));
        Plan plan = plan(s, Fixtures.job("urgent", JobType.SERVICE, 50, Fixtures.group(1, Fixtures.task(900, 900))), 1);
        assertThat(plan.failures()).isEmpty();
        assertThat(plan.evictions()).extracting(Plan.Stop::allocationId).containsExactly("low");
        assertThat(plan.evictions().get(0).reason()).isEqualTo("preempted by urgent.g[0] (priority 50)");

        // needing two allocations' room: the two lower ones go, the equal-priority one never
        Plan big = plan(s, Fixtures.job("urgent", JobType.SERVICE, 50, Fixtures.group(1, Fixtures.task(1900, 1900))), 1);
        assertThat(big.evictions()).extracting(Plan.Stop::allocationId).containsExactlyInAnyOrder("low", "mid");

        // needing all three: nothing may be evicted, the failure says why
        Plan none = plan(s, Fixtures.job("urgent", JobType.SERVICE, 50, Fixtures.group(1, Fixtures.task(2900, 2900))), 1);
        assertThat(none.evictions()).isEmpty();
        assertThat(none.placements()).isEmpty();
        assertThat(none.failures()).singleElement().satisfies(f -> assertThat(f.exhausted()).containsKey("cpu"));
    }

    @Test
    void preemptionFreesAStaticPortHeldByLowerPriorityWork() {
        ClusterSnapshot s = cluster(List.of(node("a")), alloc("holder", "low", "a", 20, 10, 10, 80),
                alloc("bystander", "low", "a", 20, 10, 10, 81));
        Job job = Fixtures.job("web", JobType.SERVICE, 60,
                Fixtures.group(1, Fixtures.task(10, 10, new Port("http", 80, null))));
        Plan plan = plan(s, job, 1);
        assertThat(plan.evictions()).extracting(Plan.Stop::allocationId).containsExactly("holder");
        assertThat(plan.placements()).singleElement().satisfies(p -> assertThat(p.ports()).containsEntry("http", 80));
    }

    @Test
    void aSystemJobRunsOnEveryEligibleNodeAndSaysNothingOfNodesItsConstraintsExclude() {
        Job exporter = JobSpecs.parse(EXAMPLES.resolve("system.json"));
        Node base = node("x");
        Node sparc = new Node("sparc", "dc1", "linux", "sparc64", "6.1", "2", Map.of(), base.capacity(),
                base.reserved(), Node.Status.READY, true, false, Set.of(), 20000, 32000);
        Node optOut = node("opt-out", "dc1", Map.of("monitoring", "off"));
        ClusterSnapshot s = cluster(node("a"), node("b"), node("drain").with(Node.Status.READY, true, true),
                node("off").with(Node.Status.READY, false, false), sparc, optOut);
        Plan plan = plan(s, exporter, 1);
        assertThat(plan.placements()).extracting(Plan.Placement::nodeId).containsExactlyInAnyOrder("a", "b");
        assertThat(plan.placements()).allSatisfy(p -> assertThat(p.ports()).containsEntry("metrics", 9100));
        assertThat(plan.failures()).isEmpty();

        // a new node gets one too, the others are left alone
        Plan after = plan(s.apply(plan).withNode(node("c")), exporter, 1);
        assertThat(after.placements()).extracting(Plan.Placement::nodeId).containsExactly("c");
        assertThat(after.stops()).isEmpty();
    }

    @Test
    void placesWhatIsMissingAndStopsWhatIsExtra() {
        ClusterSnapshot s = cluster(nodes(4));
        ClusterSnapshot three = s.apply(plan(s, service("j", 3, 100, 100), 1));
        assertThat(three.allocationsOf("j")).hasSize(3);

        Plan shrink = plan(three, service("j", 1, 100, 100), 1);
        assertThat(shrink.placements()).isEmpty();
        assertThat(shrink.stops()).hasSize(2).allSatisfy(st -> assertThat(st.reason())
                .isEqualTo("not needed: the group's count is 1"));
        ClusterSnapshot one = three.apply(shrink);
        assertThat(one.allocationsOf("j")).singleElement().satisfies(a -> assertThat(a.index()).isZero());

        Plan steady = plan(one, service("j", 1, 100, 100), 1);
        assertThat(steady.placements()).isEmpty();
        assertThat(steady.stops()).isEmpty();
    }

    @Test
    void replacesTheAllocationsOfADownNodeElsewhere() {
        ClusterSnapshot s = cluster(nodes(3));
        ClusterSnapshot placed = s.apply(plan(s, service("j", 3, 100, 100), 1));
        Allocation victim = placed.allocationsOf("j").get(0);
        Node downNode = placed.node(placed.indexOf(victim.nodeId())).with(Node.Status.DOWN, true, false);
        Plan plan = plan(placed.withNode(downNode), service("j", 3, 100, 100), 1);
        assertThat(plan.stops()).singleElement().satisfies(st -> {
            assertThat(st.allocationId()).isEqualTo(victim.id());
            assertThat(st.reason()).isEqualTo("node " + victim.nodeId() + " is down");
        });
        assertThat(plan.placements()).singleElement().satisfies(p -> {
            assertThat(p.replaces()).isEqualTo(victim.id());
            assertThat(p.index()).isEqualTo(victim.index());
            assertThat(p.nodeId()).isNotEqualTo(victim.nodeId());
        });
    }

    @Test
    void reschedulesAFailedAllocationAwayFromTheNodeItFailedOnWhilePolicyAllows() {
        // the failed node is the better bin-packing fit; the penalty must still send the replacement elsewhere
        List<Node> two = List.of(node("a", 1000, 1000), node("b", 4000, 4000));
        Allocation failed = new Allocation("f", "j", 1, "g", 0, 50, "a", new Capacity(100, 100, 0), List.of(),
                Allocation.Status.FAILED, false, false, null, 0);
        Allocation filler = alloc("fill", "other", "a", 50, 500, 500);
        Plan plan = plan(cluster(two, failed, filler), service("j", 1, 100, 100), 1);
        assertThat(plan.placements()).singleElement().satisfies(p -> {
            assertThat(p.nodeId()).isEqualTo("b");
            assertThat(p.replaces()).isEqualTo("f");
            assertThat(p.rescheduleCount()).isEqualTo(1);
        });

        // a batch job reschedules once by default: a second failure stays failed
        Job batch = Fixtures.job("j", JobType.BATCH, 50, Fixtures.group(1, Fixtures.task(100, 100)));
        Allocation failedTwice = new Allocation("f2", "j", 1, "g", 0, 50, "b", new Capacity(100, 100, 0), List.of(),
                Allocation.Status.FAILED, false, false, "f", 1);
        Plan exhausted = plan(cluster(two, failed, failedTwice), batch, 1);
        assertThat(exhausted.placements()).isEmpty();
    }

    @Test
    void rollsAnUpdateMaxParallelAtATimeGatedOnHealth() {
        UpdateStrategy update = new UpdateStrategy(2, null, null, null, null, null);
        TaskGroup g = Fixtures.group(5, Fixtures.task(100, 100), List.of(), List.of(), List.of(), update);
        Job v1 = Fixtures.job("j", JobType.SERVICE, 50, g);
        ClusterSnapshot s = cluster(nodes(5));
        ClusterSnapshot running = healthy(s.apply(plan(s, v1, 1)), true);

        Plan step1 = plan(running, v1, 2);
        assertThat(step1.stops()).hasSize(2).allSatisfy(st -> assertThat(st.reason()).isEqualTo("replaced by version 2"));
        assertThat(step1.placements()).hasSize(2).allSatisfy(p -> assertThat(p.jobVersion()).isEqualTo(2));
        ClusterSnapshot afterStep1 = running.apply(step1);

        // the two new ones are not healthy yet: nothing more moves
        Plan waiting = plan(afterStep1, v1, 2);
        assertThat(waiting.stops()).isEmpty();
        assertThat(waiting.placements()).isEmpty();

        // once healthy, the next two go
        Plan step2 = plan(healthy(afterStep1, true), v1, 2);
        assertThat(step2.stops()).hasSize(2);
        assertThat(step2.placements()).hasSize(2);
    }

    @Test
    void canariesComeFirstAndTheRestWaitsForPromotion() {
        Job api = JobSpecs.parse(EXAMPLES.resolve("canary.json")); // count 10, canary 2, max_parallel 2, auto_promote
        List<Node> list = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            list.add(node("n" + i, i % 2 == 0 ? "dc1" : "dc2", Map.of()));
        }
        ClusterSnapshot s = ClusterSnapshot.of(list, List.of());
        ClusterSnapshot v1 = healthy(s.apply(plan(s, api, 1)), true);
        assertThat(v1.allocationsOf("api")).hasSize(10);

        Plan canaries = plan(v1, api, 2);
        assertThat(canaries.stops()).isEmpty();
        assertThat(canaries.placements()).hasSize(2).allSatisfy(p -> assertThat(p.canary()).isTrue());
        ClusterSnapshot withCanaries = v1.apply(canaries);

        // canaries not healthy yet: held
        Plan held = plan(withCanaries, api, 2);
        assertThat(held.stops()).isEmpty();
        assertThat(held.placements()).isEmpty();

        // healthy canaries are promoted automatically: the two allocations they stand in for stop, and two more
        // outdated ones are replaced (max_parallel 2)
        Plan rolling = plan(healthy(withCanaries, true), api, 2);
        assertThat(rolling.stops()).hasSize(4);
        assertThat(rolling.placements()).hasSize(2).allSatisfy(p -> assertThat(p.canary()).isFalse());
        assertThat(rolling.failures()).isEmpty();
    }

    @Test
    void distinctPropertyCapsAllocationsPerRackWithinOnePlan() {
        List<Node> list = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            list.add(node("n" + i, "dc1", Map.of("rack", "r" + (i % 3))));
        }
        Constraint perRack = new Constraint("meta.rack", Operator.DISTINCT_PROPERTY, null);
        TaskGroup g = Fixtures.group(5, Fixtures.task(100, 100), List.of(perRack), List.of(), List.of(), null);
        Plan plan = plan(ClusterSnapshot.of(list, List.of()), Fixtures.job("j", JobType.SERVICE, 50, g), 1);
        assertThat(plan.placements()).hasSize(3);
        assertThat(plan.placements()).extracting(p -> list.get(Integer.parseInt(p.nodeId().substring(1))).labels()
                .get("rack")).containsExactlyInAnyOrder("r0", "r1", "r2");
        assertThat(plan.failures()).singleElement().satisfies(f -> {
            assertThat(f.unplaced()).isEqualTo(2);
            assertThat(f.filtered()).containsEntry("meta.rack distinct_property", 6);
        });
    }

    @Test
    void anAffinityFindsTheOneNodeItPrefersAmongMany() {
        List<Node> list = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            list.add(node("n" + i, "dc1", i == 137 ? Map.of("gpu", "yes") : Map.of()));
        }
        TaskGroup g = Fixtures.group(1, Fixtures.task(100, 100), List.of(),
                List.of(new io.berth.protocol.job.Affinity("meta.gpu", Operator.EQUAL, "yes", 100)), List.of(), null);
        for (long seed = 0; seed < 5; seed++) {
            Plan plan = new Scheduler(ClusterSnapshot.of(list, List.of()), new Random(seed))
                    .process(Evaluation.of("e", Fixtures.job("j", JobType.SERVICE, 50, g), 1));
            assertThat(plan.placements()).singleElement().satisfies(p -> assertThat(p.nodeId()).isEqualTo("n137"));
        }
    }

    @Test
    void theSameSeedGivesTheSamePlan() {
        Job job = JobSpecs.parse(EXAMPLES.resolve("canary.json"));
        List<Node> list = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            list.add(node("n" + i, "dc" + (1 + i % 3), Map.of()));
        }
        ClusterSnapshot s = ClusterSnapshot.of(list, List.of());
        Plan a = new Scheduler(s, new Random(99)).process(Evaluation.of("e", job, 1));
        Plan b = new Scheduler(s, new Random(99)).process(Evaluation.of("e", job, 1));
        assertThat(a).isEqualTo(b);
        Plan c = new Scheduler(s, new Random(100)).process(Evaluation.of("e", job, 1));
        assertThat(c.placements()).extracting(Plan.Placement::allocationId)
                .doesNotContainAnyElementsOf(a.placements().stream().map(Plan.Placement::allocationId).toList());
    }

    /** Every allocation of the snapshot marked RUNNING with the given health. */
    static ClusterSnapshot healthy(ClusterSnapshot s, boolean healthy) {
        List<Allocation> all = new ArrayList<>();
        for (int i = 0; i < s.size(); i++) {
            s.allocationsOn(i).forEach(a -> all.add(a.with(Allocation.Status.RUNNING, healthy)));
        }
        return ClusterSnapshot.of(s.nodes(), all);
    }
}
