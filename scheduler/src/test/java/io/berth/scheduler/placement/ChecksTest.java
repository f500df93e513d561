package io.berth.scheduler.placement;

import static io.berth.scheduler.placement.Fixtures.alloc;
import static io.berth.scheduler.placement.Fixtures.cluster;
import static io.berth.scheduler.placement.Fixtures.context;
import static io.berth.scheduler.placement.Fixtures.group;
import static io.berth.scheduler.placement.Fixtures.job;
import static io.berth.scheduler.placement.Fixtures.node;
import static io.berth.scheduler.placement.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.protocol.job.Constraint;
import io.berth.protocol.job.Job;
import io.berth.protocol.job.JobType;
import io.berth.protocol.job.Operator;
import io.berth.protocol.job.Port;
import io.berth.protocol.job.TaskGroup;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChecksTest {
    private static final Job JOB = Fixtures.service("web", 1, 100, 100);

    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {
            "READY, true,  false, null",
            "DOWN,  true,  false, node down",
            "READY, false, false, node ineligible",
            "READY, true,  true,  node draining"})
    void nodeStateRejectsDownIneligibleAndDrainingNodes(Node.Status status, boolean eligible, boolean draining,
            String reason) {
        ClusterSnapshot s = cluster(node("a").with(status, eligible, draining));
        assertThat(new Checks.NodeState(context(s, JOB)).reject(0)).isEqualTo(reason);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            // attribute          | operator         | value          | expected pass
            "attr.arch            | =                | amd64          | true",
            "attr.arch            | =                | arm64          | false",
            "attr.arch            | !=               | arm64          | true",
            "meta.missing         | !=               | x              | true",
            "meta.missing         | =                | x              | false",
            "attr.kernel.version  | version          | >= 5.10, < 7   | true",
            "attr.kernel.version  | version          | < 6            | false",
            "attr.kernel.version  | version          | ~> 6.1         | true",
            "meta.rack            | regexp           | ^r[0-4]$       | true",
            "meta.rack            | regexp           | ^r[5-9]$       | false",
            "meta.disks           | set_contains     | ssd, nvme      | true",
            "meta.disks           | set_contains     | ssd,hdd        | false",
            "meta.disks           | set_contains_any | hdd,nvme       | true",
            "meta.disks           | set_contains_any | hdd,tape       | false",
            "meta.rack            | is_set           | null           | true",
            "meta.missing         | is_set           | null           | false",
            "meta.missing         | is_not_set       | null           | true",
            "meta.rack            | is_not_set       | null           | false",
            "node.datacenter      | =                | dc1            | true",
            "attr.cgroup.version  | =                | 1              | false"})
    void attributeConstraintsCompareEveryOperator(String attribute, String operator, String value, boolean passes) {
        Node n = node("a", "dc1", Map.of("rack", "r3", "disks", "ssd,nvme,ram"));
        Constraint c = new Constraint(attribute, operatorOf(operator), value);
        String reason = new Checks.AttributeConstraint(context(cluster(n), JOB), c).reject(0);
        assertThat(reason).isEqualTo(passes ? null : c.toString());
    }

    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {"dc1, null", "dc2, missing datacenter"})
    void datacenterCheckKeepsTheJobInItsDatacenters(String datacenter, String reason) {
        Job job = new Job("j", JobType.SERVICE, 50, null, List.of("dc1"), List.of(group(1, task(10, 10))), List.of(),
                List.of(), List.of(), null, null, Map.of());
        ClusterSnapshot s = cluster(node("a", datacenter, Map.of()));
        assertThat(new Checks.Datacenter(context(s, job), job.datacenters()).reject(0)).isEqualTo(reason);
    }

    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {
            "linux,  amd64, '',          null",
            "linux,  arm64, amd64,       image architecture",
            "linux,  arm64, amd64|arm64, null",
            "darwin, arm64, '',          attr.os = linux"})
    void platformCheckWantsLinuxAndTheImagesArchitecture(String os, String arch, String imageArchs, String reason) {
        Node base = node("a");
        Node n = new Node("a", "dc1", os, arch, "6.1", "2", Map.of(), base.capacity(), base.reserved(),
                Node.Status.READY, true, false, Set.of(), 20000, 32000);
        Set<String> archs = imageArchs.isEmpty() ? Set.of() : Set.of(imageArchs.split("\\|"));
        assertThat(new Checks.Platform(context(cluster(n), JOB), archs).reject(0)).isEqualTo(reason);
    }

    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {
            // free cpu, free memory, free disk -> reason for an ask of 500 MHz, 256 MiB, 100 MiB
            "500, 256, 100, null",
            "499, 256, 100, cpu",
            "500, 255, 100, memory",
            "500, 256, 99,  disk"})
    void resourceCheckCountsCpuMemoryAndDisk(int cpu, int memory, int disk, String reason) {
        Node n = new Node("a", "dc1", "linux", "amd64", "6.1", "2", Map.of(), new Capacity(cpu + 1000, memory + 1000,
                disk + 1000), new Capacity(1000, 1000, 1000), Node.Status.READY, true, false, Set.of(), 20000, 32000);
        Job job = job("j", JobType.SERVICE, 50, group(1, new io.berth.protocol.job.Task("t", "busybox", List.of(),
                List.of(), Map.of(), new io.berth.protocol.job.Resources(500, 256, 100), null, List.of(), List.of(),
                List.of(), null, null, null, Map.of())));
        EvalContext ctx = context(cluster(n), job);
        assertThat(new Checks.Resources(ctx, new GroupAsk(job, job.groups().get(0))).reject(0)).isEqualTo(reason);
    }

    @Test
    void resourceCheckSeesThePlanSoFar() {
        Job job = Fixtures.service("j", 2, 600, 100);
        EvalContext ctx = context(cluster(node("a", 1000, 1000)), job);
        GroupAsk ask = new GroupAsk(job, job.groups().get(0));
        Checks.Resources check = new Checks.Resources(ctx, ask);
        assertThat(check.reject(0)).isNull();
        ctx.place(new Plan.Placement("p", "j", 1, "g", 0, 50, "a", ask.resources, Map.of(), null, 0, false, 0), 0);
        assertThat(check.reject(0)).isEqualTo("cpu");
    }

    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {
            // port held on the node, port asked -> reason
            "8080, 8080, port 8080",
            "8080, 9090, null",
            "20000, 9090, null"})
    void staticPortsCollideWithPortsHeldOnTheNode(int held, int asked, String reason) {
        Job job = job("j", JobType.SERVICE, 50, group(1, task(10, 10, new Port("p", asked, null))));
        ClusterSnapshot s = cluster(List.of(node("a")), alloc("x", "other", "a", 50, 10, 10, held));
        assertThat(new Checks.Ports(context(s, job), new GroupAsk(job, job.groups().get(0))).reject(0))
                .isEqualTo(reason);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            // reserved by the operator | in use by others on the host | static port asked | reason
            "22,80,8000-8100 | ''        | 8050 | port 8050 reserved on the node",
            "22,80,8000-8100 | ''        | 81   | null",
            "''              | 8080,9000 | 9000 | port 9000 in use on the host by another program",
            "9000            | 9000      | 9000 | port 9000 reserved on the node",
            "''              | ''        | 80   | null"})
    void aStaticPortTheNodeNeverGivesOutFiltersIt(String reserved, String inUse, int asked, String reason) {
        Job job = job("j", JobType.SERVICE, 50, group(1, task(10, 10, new Port("p", asked, null))));
        ClusterSnapshot s = cluster(List.of(Fixtures.node("a", 20000, 32000, reserved, inUse)));
        GroupAsk ask = new GroupAsk(job, job.groups().get(0));
        Checks.HostPorts check = new Checks.HostPorts(context(s, job), ask);
        assertThat(check.reject(0)).isEqualTo(reason);
        assertThat(check.exhaustion()).as("no eviction frees it").isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // the range 30000-30009 (10 ports), one held by an allocation | reserved | in use | dynamic asked | fits
            "''            | ''          | 9  | true",
            "''            | ''          | 10 | false",
            "30000-30004   | ''          | 4  | true",
            "30000-30004   | ''          | 5  | false",
            "30000-30004   | 30005,30006 | 2  | true",
            "30000-30004   | 30005,30006 | 3  | false",
            "1-29999       | 30010-40000 | 9  | true"})
    void dynamicPortsNeedRoomBesideTheNodesBlockedPorts(String reserved, String inUse, int asked, boolean fits) {
        Port[] ports = new Port[asked];
        for (int i = 0; i < asked; i++) {
            ports[i] = new Port("p" + i, null, null);
        }
        Job job = job("j", JobType.SERVICE, 50, group(1, task(10, 10, ports)));
        ClusterSnapshot s = cluster(List.of(Fixtures.node("a", 30000, 30009, reserved, inUse)),
                alloc("x", "other", "a", 50, 10, 10, 30009));
        String reason = new Checks.Ports(context(s, job), new GroupAsk(job, job.groups().get(0))).reject(0);
        assertThat(reason).isEqualTo(fits ? null : "dynamic ports");
    }

    @ParameterizedTest
    @CsvSource({"3, 2, true", "3, 3, true", "3, 4, false"})
    void dynamicPortsNeedRoomInTheNodesRange(int rangeSize, int asked, boolean fits) {
        Node base = node("a");
        Node n = new Node("a", "dc1", "linux", "amd64", "6.1", "2", Map.of(), base.capacity(), base.reserved(),
                Node.Status.READY, true, false, Set.of(), 30000, 30000 + rangeSize);
        Port[] ports = new Port[asked];
        for (int i = 0; i < asked; i++) {
            ports[i] = new Port("p" + i, null, null);
        }
        Job job = job("j", JobType.SERVICE, 50, group(1, task(10, 10, ports)));
        // one port of the range is taken already
        ClusterSnapshot s = cluster(List.of(n), alloc("x", "other", "a", 50, 10, 10, 30001));
        String reason = new Checks.Ports(context(s, job), new GroupAsk(job, job.groups().get(0))).reject(0);
        assertThat(reason).isEqualTo(fits ? null : "dynamic ports");
    }

    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {
            // job-level?, group of the existing allocation, reason
            "true,  g,     distinct_hosts",
            "true,  other, distinct_hosts",
            "false, g,     distinct_hosts",
            "false, other, null"})
    void distinctHostsKeepsTheJobOrGroupOffNodesItRunsOn(boolean jobLevel, String existingGroup, String reason) {
        Constraint distinct = new Constraint(null, Operator.DISTINCT_HOSTS, null);
        TaskGroup g = new TaskGroup("g", 2, List.of(task(10, 10)), jobLevel ? List.of() : List.of(distinct), List.of(),
                List.of(), null, null, Map.of());
        Job job = new Job("j", JobType.SERVICE, 50, null, List.of(), List.of(g), jobLevel ? List.of(distinct) : List.of(),
                List.of(), List.of(), null, null, Map.of());
        Allocation existing = new Allocation("x", "j", 1, existingGroup, 0, 50, "a", new Capacity(10, 10, 0), List.of(),
                Allocation.Status.RUNNING, true, false, null, 0);
        ClusterSnapshot s = cluster(List.of(node("a")), existing);
        assertThat(new Checks.DistinctHosts(context(s, job), new GroupAsk(job, g)).reject(0)).isEqualTo(reason);
    }

    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {"null, 1, false", "2, 1, true", "2, 2, false"})
    void distinctPropertyLimitsAllocationsPerValue(String limit, int alreadyInRack, boolean passes) {
        Constraint c = new Constraint("meta.rack", Operator.DISTINCT_PROPERTY, limit);
        TaskGroup g = Fixtures.group(5, task(10, 10), List.of(c), List.of(), List.of(), null);
        Job job = job("j", JobType.SERVICE, 50, g);
        List<Node> nodes = List.of(node("a", "dc1", Map.of("rack", "r1")), node("b", "dc1", Map.of("rack", "r1")),
                node("c", "dc1", Map.of("rack", "r1")));
        Allocation[] existing = new Allocation[alreadyInRack];
        for (int i = 0; i < alreadyInRack; i++) {
            existing[i] = new Allocation("x" + i, "j", 1, "g", i, 50, i == 0 ? "a" : "b", new Capacity(10, 10, 0),
                    List.of(), Allocation.Status.RUNNING, true, false, null, 0);
        }
        ClusterSnapshot s = cluster(nodes, existing);
        assertThat(new Checks.DistinctProperty(context(s, job), new GroupAsk(job, g), c).reject(2))
                .isEqualTo(passes ? null : c.toString());
    }

    private static Operator operatorOf(String spelling) {
        for (Operator o : Operator.values()) {
            if (o.spelling().equals(spelling)) {
                return o;
            }
        }
        throw new IllegalArgumentException(spelling);
    }
}
