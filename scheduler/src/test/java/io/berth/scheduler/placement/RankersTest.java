package io.berth.scheduler.placement;

import static io.berth.scheduler.placement.Fixtures.alloc;
import static io.berth.scheduler.placement.Fixtures.cluster;
import static io.berth.scheduler.placement.Fixtures.context;
import static io.berth.scheduler.placement.Fixtures.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.berth.protocol.job.Affinity;
import io.berth.protocol.job.Job;
import io.berth.protocol.job.JobType;
import io.berth.protocol.job.Operator;
import io.berth.protocol.job.Resources;
import io.berth.protocol.job.Spread;
import io.berth.protocol.job.SpreadTarget;
import io.berth.protocol.job.Task;
import io.berth.protocol.job.TaskGroup;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RankersTest {

    @ParameterizedTest
    @CsvSource({
            // used cpu, used memory (of 1000/1000), ask 100/100 -> Nomad's binpack score
            "0,   0",
            "900, 900",
            "400, 700"})
    void binPackIsNomadsFitScore(int usedCpu, int usedMemory) {
        Job job = Fixtures.service("j", 1, 100, 100);
        ClusterSnapshot s = cluster(List.of(node("a", 1000, 1000)), alloc("x", "o", "a", 50, usedCpu, usedMemory));
        double score = new Rankers.BinPack(context(s, job), new GroupAsk(job, job.groups().get(0))).score(0);
        double freeCpu = (1000 - usedCpu - 100) / 1000.0, freeMem = (1000 - usedMemory - 100) / 1000.0;
        assertThat(score).isCloseTo((20 - Math.pow(10, freeCpu) - Math.pow(10, freeMem)) / 18, within(1e-9));
    }

    @Test
    void binPackOrdersEmptyHalfAndFullNodes() {
        Job job = Fixtures.service("j", 1, 100, 100);
        ClusterSnapshot s = cluster(List.of(node("empty", 1000, 1000), node("half", 1000, 1000),
                node("full", 1000, 1000)), alloc("x", "o", "half", 50, 500, 500), alloc("y", "o", "full", 50, 900, 900));
        Rankers.BinPack binPack = new Rankers.BinPack(context(s, job), new GroupAsk(job, job.groups().get(0)));
        assertThat(binPack.score(2)).isGreaterThan(binPack.score(1));
        assertThat(binPack.score(1)).isGreaterThan(binPack.score(0));
    }

    @ParameterizedTest
    @CsvSource({"0, 4, NaN", "1, 4, -0.5", "2, 4, -0.75", "5, 4, -1"})
    void jobAntiAffinityPenalisesNodesRunningTheGroup(int running, int count, double expected) {
        Job job = Fixtures.service("j", count, 10, 10);
        Allocation[] allocs = new Allocation[running];
        for (int i = 0; i < running; i++) {
            allocs[i] = new Allocation("x" + i, "j", 1, "g", i, 50, "a", new Capacity(10, 10, 0), List.of(),
                    Allocation.Status.RUNNING, true, false, null, 0);
        }
        ClusterSnapshot s = cluster(List.of(node("a")), allocs);
        double score = new Rankers.JobAntiAffinity(context(s, job), new GroupAsk(job, job.groups().get(0))).score(0);
        if (Double.isNaN(expected)) {
            assertThat(score).isNaN();
        } else {
            assertThat(score).isCloseTo(expected, within(1e-9));
        }
    }

    @Test
    void reschedulePenaltyMarksOnlyTheNodesWhereItFailed() {
        ClusterSnapshot s = cluster(node("a"), node("b"));
        Rankers.ReschedulePenalty penalty = new Rankers.ReschedulePenalty(context(s, Fixtures.service("j", 1, 1, 4)));
        penalty.penalize(Set.of("a"));
        assertThat(penalty.score(0)).isEqualTo(-1);
        assertThat(penalty.score(1)).isNaN();
    }

    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {
            // rack, disk -> (rack=r1 weight 60) + (disk=ssd weight -40), over 100
            "r1, ssd, 0.2",
            "r1, hdd, 0.6",
            "r2, ssd, -0.4",
            "r2, hdd, NaN"})
    void affinitiesAddTheirWeights(String rack, String disk, double expected) {
        TaskGroup g = Fixtures.group(1, Fixtures.task(10, 10), List.of(), List.of(
                new Affinity("meta.rack", Operator.EQUAL, "r1", 60),
                new Affinity("meta.disk", Operator.EQUAL, "ssd", -40)), List.of(), null);
        Job job = Fixtures.job("j", JobType.SERVICE, 50, g);
        ClusterSnapshot s = cluster(node("a", "dc1", Map.of("rack", rack, "disk", disk)));
        double score = new Rankers.NodeAffinity(context(s, job), new GroupAsk(job, g)).score(0);
        if (Double.isNaN(expected)) {
            assertThat(score).isNaN();
        } else {
            assertThat(score).isCloseTo(expected, within(1e-9));
        }
    }

    private static final String DIGEST = "sha256:abababababababababababababababababababababababababababababababab";

    /** Nodes hold images by store name and digest, as agents report them; tasks name them as users write them. */
    @ParameterizedTest
    @CsvSource({
            // the task's image, what the node holds ('|' between), the score
            "busybox,                       docker.io/library/busybox:latest,          1.0",
            "busybox:1.36,                  docker.io/library/busybox:1.36|" + DIGEST + ", 1.0",
            "docker.io/library/busybox:1.36, docker.io/library/busybox:1.36,           1.0",
            "index.docker.io/busybox:1.36,  docker.io/library/busybox:1.36,            1.0",
            "registry.example.com:5000/team/app:2, registry.example.com:5000/team/app:2, 1.0",
            // a pinned digest matches the digest whatever the name, and only the digest
            "busybox@" + DIGEST + ",        " + DIGEST + ",                            1.0",
            "busybox:1.36@" + DIGEST + ",   docker.io/library/busybox:1.36,            NaN",
            // another tag, another registry, the reference as written: not held
            "busybox:1.37,                  docker.io/library/busybox:1.36,            NaN",
            "ghcr.io/library/busybox:1.36,  docker.io/library/busybox:1.36,            NaN",
            "busybox:1.36,                  busybox:1.36,                              NaN"})
    void imageLocalityFavoursNodesHoldingTheImage(String image, String held, double expected) {
        Node base = node("a");
        Node n = new Node("a", "dc1", "linux", "amd64", "6.1", "2", Map.of(), base.capacity(), base.reserved(),
                Node.Status.READY, true, false, Set.of(held.split("\\|")), 20000, 32000);
        Task task = new Task("t", image, List.of(), List.of(), Map.of(), new Resources(10, 10, 0), null, List.of(),
                List.of(), List.of(), null, null, null, Map.of());
        Job job = Fixtures.job("j", JobType.SERVICE, 50, Fixtures.group(1, task));
        double score = new Rankers.ImageLocality(context(cluster(n), job), new GroupAsk(job, job.groups().get(0)))
                .score(0);
        assertThat(Double.valueOf(score)).isEqualTo(Double.valueOf(expected)); // Double.equals: NaN equals NaN
    }

    @Test
    void imageLocalityIsTheShareOfTheGroupsImagesHeld() {
        Node base = node("a");
        Node n = new Node("a", "dc1", "linux", "amd64", "6.1", "2", Map.of(), base.capacity(), base.reserved(),
                Node.Status.READY, true, false, Set.of("docker.io/library/busybox:1.36", DIGEST), 20000, 32000);
        Task web = new Task("web", "busybox:1.36", List.of(), List.of(), Map.of(), new Resources(10, 10, 0), null,
                List.of(), List.of(), List.of(), null, null, null, Map.of());
        Task log = new Task("log", "alpine:3.20", List.of(), List.of(), Map.of(), new Resources(10, 10, 0), null,
                List.of(), List.of(), List.of(), null, null, null, Map.of());
        TaskGroup g = new TaskGroup("g", 1, List.of(web, log), List.of(), List.of(), List.of(), null, null, Map.of());
        Job job = Fixtures.job("j", JobType.SERVICE, 50, g);
        assertThat(new Rankers.ImageLocality(context(cluster(n), job), new GroupAsk(job, g)).score(0))
                .isEqualTo(0.5);
    }

    @ParameterizedTest
    @CsvSource({
            // allocations already in dc1, in dc2 -> boost for a dc1 node, count 10, target dc1 70% dc2 30%, weight 50
            "0, 0, 0.5",
            "7, 0, 0.0",
            "3, 0, 0.2857142857",
            "10, 0, -0.2142857142"})
    void spreadBoostFollowsTheTargetShare(int inDc1, int inDc2, double expected) {
        Spread spread = new Spread("node.datacenter", 50, List.of(new SpreadTarget("dc1", 70),
                new SpreadTarget("dc2", 30)));
        TaskGroup g = Fixtures.group(10, Fixtures.task(1, 4), List.of(), List.of(), List.of(spread), null);
        Job job = Fixtures.job("j", JobType.SERVICE, 50, g);
        List<Node> nodes = List.of(node("a", "dc1", Map.of()), node("b", "dc2", Map.of()));
        Allocation[] allocs = new Allocation[inDc1 + inDc2];
        for (int i = 0; i < allocs.length; i++) {
            allocs[i] = new Allocation("x" + i, "j", 1, "g", i, 50, i < inDc1 ? "a" : "b", new Capacity(1, 4, 0),
                    List.of(), Allocation.Status.RUNNING, true, false, null, 0);
        }
        EvalContext ctx = context(cluster(nodes, allocs), job);
        SpreadState state = new SpreadState(ctx, new GroupAsk(job, g), spread);
        assertThat(new SpreadState.Boost(state).score(0)).isCloseTo(expected, within(1e-6));
    }
}
