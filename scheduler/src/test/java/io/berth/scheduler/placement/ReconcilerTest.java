package io.berth.scheduler.placement;

import static io.berth.scheduler.placement.Fixtures.node;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.protocol.job.Job;
import io.berth.protocol.job.JobType;
import io.berth.protocol.job.TaskGroup;
import io.berth.protocol.job.UpdateStrategy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReconcilerTest {

    private static Allocation at(String id, String node, int index, Allocation.Status status) {
        return new Allocation(id, "j", 1, "g", index, 50, node, new Capacity(10, 10, 0), List.of(), status, true,
                false, null, 0);
    }

    private static Reconciler.Result reconcile(Job job, List<Node> nodes, Allocation... allocs) {
        return new Reconciler(ClusterSnapshot.of(nodes, List.of(allocs)), Evaluation.of("e", job, 1)).reconcile();
    }

    @Test
    void finishedBatchWorkIsNotRunAgain() {
        Job batch = Fixtures.job("j", JobType.BATCH, 50, Fixtures.group(3, Fixtures.task(10, 10)));
        Reconciler.Result r = reconcile(batch, List.of(node("a")), at("done", "a", 0, Allocation.Status.COMPLETE),
                at("running", "a", 1, Allocation.Status.RUNNING));
        assertThat(r.stops()).isEmpty();
        assertThat(r.placements()).extracting(PlacementRequest::index).containsExactly(2);
    }

    @Test
    void aGroupGoneFromTheJobIsStopped() {
        Allocation orphan = new Allocation("o", "j", 1, "old-group", 0, 50, "a", new Capacity(10, 10, 0), List.of(),
                Allocation.Status.RUNNING, true, false, null, 0);
        Reconciler.Result r = reconcile(Fixtures.service("j", 0, 10, 10), List.of(node("a")), orphan);
        assertThat(r.stops()).singleElement().satisfies(s -> {
            assertThat(s.allocation().id()).isEqualTo("o");
            assertThat(s.reason()).isEqualTo("group removed from the job");
        });
    }

    @Test
    void aDrainWaitsWhileEarlierReplacementsAreNotYetHealthy() {
        UpdateStrategy two = new UpdateStrategy(2, null, null, null, null, null);
        TaskGroup g = Fixtures.group(4, Fixtures.task(10, 10), List.of(), List.of(), List.of(), two);
        Job job = Fixtures.job("j", JobType.SERVICE, 50, g);
        Node draining = node("d").with(Node.Status.READY, true, true);
        Allocation moving = new Allocation("new0", "j", 1, "g", 0, 50, "a", new Capacity(10, 10, 0), List.of(),
                Allocation.Status.RUNNING, null, false, "old0", 0);
        Reconciler.Result r = reconcile(job, List.of(draining, node("a")), moving,
                at("x1", "d", 1, Allocation.Status.RUNNING), at("x2", "d", 2, Allocation.Status.RUNNING),
                at("x3", "d", 3, Allocation.Status.RUNNING));
        // max_parallel 2, one replacement still unhealthy: one more moves
        assertThat(r.stops()).hasSize(1);
        assertThat(r.placements()).hasSize(1);
    }

    @Test
    void aFailedAllocationWhoseRescheduleDelayIsNotOverKeepsItsSlot() {
        Job job = Fixtures.service("j", 2, 10, 10);
        Allocation failed = at("f", "a", 0, Allocation.Status.FAILED);
        Allocation running = at("r", "a", 1, Allocation.Status.RUNNING);
        ClusterSnapshot s = ClusterSnapshot.of(List.of(node("a"), node("b")), List.of(failed, running));
        Reconciler.Result waiting = new Reconciler(s, new Evaluation("e", job, 1, java.util.Set.of(), false,
                java.util.Set.of("f"))).reconcile();
        assertThat(waiting.placements()).isEmpty();
        assertThat(waiting.stops()).isEmpty();
        Reconciler.Result due = new Reconciler(s, Evaluation.of("e", job, 1)).reconcile();
        assertThat(due.placements()).singleElement().satisfies(p -> {
            assertThat(p.replaces()).isEqualTo("f");
            assertThat(p.penaltyNodes()).containsExactly("a");
        });
    }

    @Test
    void drainingNodesAreLeftMaxParallelAtATime() {
        UpdateStrategy two = new UpdateStrategy(2, null, null, null, null, null);
        TaskGroup g = Fixtures.group(5, Fixtures.task(10, 10), List.of(), List.of(), List.of(), two);
        Job job = Fixtures.job("j", JobType.SERVICE, 50, g);
        Node draining = node("d").with(Node.Status.READY, true, true);
        List<Allocation> allocs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            allocs.add(at("x" + i, "d", i, Allocation.Status.RUNNING));
        }
        Reconciler.Result r = reconcile(job, List.of(draining, node("a")), allocs.toArray(new Allocation[0]));
        assertThat(r.stops()).hasSize(2).allSatisfy(s -> assertThat(s.reason()).isEqualTo("node d is draining"));
        assertThat(r.placements()).hasSize(2).allSatisfy(p -> assertThat(p.replaces()).isNotNull());
    }

    @Test
    void lostAllocationsAreReplacedEvenWhenFailedOnesWouldNotBe() {
        Job batch = Fixtures.job("j", JobType.BATCH, 50, Fixtures.group(2, Fixtures.task(10, 10)));
        Allocation lost = at("lost", "a", 0, Allocation.Status.LOST);
        Allocation failedOut = new Allocation("f", "j", 1, "g", 1, 50, "a", new Capacity(10, 10, 0), List.of(),
                Allocation.Status.FAILED, false, false, null, 1); // batch default: one reschedule, spent
        Reconciler.Result r = reconcile(batch, List.of(node("a")), lost, failedOut);
        assertThat(r.placements()).singleElement().satisfies(p -> {
            assertThat(p.replaces()).isEqualTo("lost");
            assertThat(p.penaltyNodes()).isEmpty();
        });
    }

    @Test
    void allocationsBeyondTheCountAndDuplicatesOfASlotStop() {
        Job job = Fixtures.service("j", 2, 10, 10);
        Reconciler.Result r = reconcile(job, List.of(node("a")), at("s0", "a", 0, Allocation.Status.RUNNING),
                at("s0-again", "a", 0, Allocation.Status.PENDING), at("s1", "a", 1, Allocation.Status.RUNNING),
                at("s2", "a", 2, Allocation.Status.RUNNING));
        assertThat(r.stops()).extracting(s -> s.allocation().id()).containsExactlyInAnyOrder("s0-again", "s2");
        assertThat(r.placements()).isEmpty();
    }
}
