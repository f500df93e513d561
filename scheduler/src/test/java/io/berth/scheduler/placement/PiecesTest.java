package io.berth.scheduler.placement;

import static io.berth.scheduler.placement.Fixtures.alloc;
import static io.berth.scheduler.placement.Fixtures.cluster;
import static io.berth.scheduler.placement.Fixtures.context;
import static io.berth.scheduler.placement.Fixtures.node;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.protocol.job.Job;
import io.berth.protocol.job.JobType;
import io.berth.protocol.job.Port;
import io.berth.protocol.job.Spread;
import io.berth.protocol.job.SpreadTarget;
import io.berth.protocol.job.TaskGroup;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The smaller pieces alone: limit, spread shares, port picking, preemption choice. */
class PiecesTest {

    @ParameterizedTest
    @CsvSource({"BATCH, 5000, 2", "SERVICE, 1, 2", "SERVICE, 4, 2", "SERVICE, 1000, 10", "SERVICE, 5000, 13",
            "SYSTEM, 10000, 14"})
    void limitIsTwoForBatchAndAboutLog2NOtherwise(JobType type, int nodes, int limit) {
        assertThat(GroupAsk.limit(type, nodes)).isEqualTo(limit);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // targets (value:percent,...) | count | desired for dc1, dc2, dc3, dc4
            "dc1:50,dc2:50               | 10    | 5.0, 5.0, 0.0, 0.0",
            "dc1:40                      | 10    | 4.0, 2.0, 2.0, 2.0",
            "''                          | 8     | 2.0, 2.0, 2.0, 2.0",
            "dc1:70,dc2:10,dc3:10,dc4:10 | 20    | 14.0, 2.0, 2.0, 2.0"})
    void spreadSharesGoToTargetsAndTheRestEvenly(String targets, int count, String desired) {
        List<SpreadTarget> list = targets.isEmpty() ? List.of() : Arrays.stream(targets.split(","))
                .map(t -> new SpreadTarget(t.split(":")[0], Integer.parseInt(t.split(":")[1]))).toList();
        Spread spread = new Spread("node.datacenter", 50, list);
        TaskGroup g = Fixtures.group(count, Fixtures.task(1, 4), List.of(), List.of(), List.of(spread), null);
        Job job = Fixtures.job("j", JobType.SERVICE, 50, g);
        ClusterSnapshot s = cluster(node("a", "dc1", Map.of()), node("b", "dc2", Map.of()), node("c", "dc3", Map.of()),
                node("d", "dc4", Map.of()));
        SpreadState state = new SpreadState(context(s, job), new GroupAsk(job, g), spread);
        double[] expected = Arrays.stream(desired.split(",")).mapToDouble(x -> Double.parseDouble(x.strip())).toArray();
        for (int i = 0; i < 4; i++) {
            assertThat(state.desired("dc" + (i + 1))).isEqualTo(expected[i]);
        }
    }

    @Test
    void portPickerHandsOutDistinctFreePortsAndFindsTheLastOnes() {
        Node base = node("a");
        Node n = new Node("a", "dc1", "linux", "amd64", "6.1", "2", Map.of(), base.capacity(), base.reserved(),
                Node.Status.READY, true, false, Set.of(), 30000, 30004);
        ClusterSnapshot s = cluster(List.of(n), alloc("x", "o", "a", 50, 1, 4, 30000, 30002));
        EvalContext ctx = context(s, Fixtures.service("j", 1, 1, 4));
        assertThat(PortPicker.pick(ctx, 0, 3, new int[0], new Random(1))).containsExactlyInAnyOrder(30001, 30003, 30004);
        assertThat(PortPicker.pick(ctx, 0, 2, new int[] {30001}, null)).containsExactly(30003, 30004);
        assertThat(PortPicker.pick(ctx, 0, 4, new int[0], new Random(1))).isNull();
    }

    @Test
    void portPickerNeverHandsOutAPortTheNodeReservesOrOthersUse() {
        Node n = Fixtures.node("a", 30000, 30009, "30001-30003,30008", "30005,30006");
        ClusterSnapshot s = cluster(List.of(n), alloc("x", "o", "a", 50, 1, 4, 30000));
        EvalContext ctx = context(s, Fixtures.service("j", 1, 1, 4));
        for (int seed = 0; seed < 50; seed++) {
            assertThat(PortPicker.pick(ctx, 0, 3, new int[0], new Random(seed)))
                    .containsExactlyInAnyOrder(30004, 30007, 30009);
        }
        assertThat(PortPicker.pick(ctx, 0, 4, new int[0], new Random(1))).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            // priorities of three 1000/1000 allocations on a 3000/3000 node | ask cpu | evicted (by priority)
            "10,20,30 | 500  | 10",
            "30,20,10 | 1500 | 10,20",
            "10,60,70 | 500  | 10",
            "50,60,70 | 500  | null",
            "40,40,10 | 2500 | 10,40,40",
            "10,20,50 | 2500 | null"})
    void preemptionPicksTheCheapestSetOfLowerPriorityWork(String priorities, int cpu, String evicted) {
        String[] p = priorities.split(",");
        ClusterSnapshot s = cluster(List.of(node("a", 3000, 3000)),
                alloc("a0", "o0", "a", Integer.parseInt(p[0]), 1000, 1000),
                alloc("a1", "o1", "a", Integer.parseInt(p[1]), 1000, 1000),
                alloc("a2", "o2", "a", Integer.parseInt(p[2]), 1000, 1000));
        Job job = Fixtures.service("urgent", 1, cpu, 10); // priority 50
        EvalContext ctx = context(s, job);
        GroupAsk ask = new GroupAsk(job, job.groups().get(0));
        Preemptor.Choice choice = new Preemptor(ctx, ask, Checks.chain(ctx, ask)).evictionsFor(0);
        if (evicted == null) {
            assertThat(choice).isNull();
        } else {
            assertThat(choice.evict()).extracting(Allocation::priority).map(String::valueOf)
                    .containsExactlyInAnyOrder(evicted.split(","));
        }
    }

    @Test
    void preemptionNeverTakesAPortFromEqualPriorityWork() {
        ClusterSnapshot s = cluster(List.of(node("a")), alloc("peer", "o", "a", 50, 1, 4, 80));
        Job job = Fixtures.job("web", JobType.SERVICE, 50,
                Fixtures.group(1, Fixtures.task(1, 4, new Port("http", 80, null))));
        EvalContext ctx = context(s, job);
        GroupAsk ask = new GroupAsk(job, job.groups().get(0));
        assertThat(new Preemptor(ctx, ask, Checks.chain(ctx, ask)).evictionsFor(0)).isNull();
    }
}
