package io.berth.runtime.cgroup;

import static io.berth.runtime.cgroup.HostCgroups.go;
import static io.berth.runtime.cgroup.HostCgroups.output;
import static io.berth.runtime.cgroup.HostCgroups.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real cgroup v1 on this host: directories, limits read back from the kernel's files, real processes. */
class CgroupsV1Test {
    private static final CgroupsV1 CGROUPS = HostCgroups.v1();
    private static final long MIB = 1024 * 1024;
    /** Grows a shell variable to about 1 MiB. */
    private static final String ALLOCATE = "x=0123456789; i=0; while [ $i -lt 17 ]; do x=$x$x; i=$((i+1)); done; ";

    private final HostCgroups host = new HostCgroups();
    private final String id = HostCgroups.newId();
    private final String path = "/" + HostCgroups.PARENT + "/" + id;

    @AfterEach
    void cleanUp() {
        host.close();
    }

    @AfterAll
    static void removeParent() {
        HostCgroups.removeParent(mountPoints());
    }

    private static List<Path> mountPoints() {
        return CgroupHost.v1Hierarchies(HostCgroups.mountinfo(), HostCgroups.procSelfCgroup()).stream()
                .map(CgroupHost.Hierarchy::mountPoint).toList();
    }

    /** The mount points of the hierarchies a container without limits gets a directory in. */
    private static List<Path> joinedWithoutLimits() {
        return CgroupHost.v1Hierarchies(HostCgroups.mountinfo(), HostCgroups.procSelfCgroup()).stream()
                .filter(h -> CgroupsV1.joins(h, null)).map(CgroupHost.Hierarchy::mountPoint).toList();
    }

    private Path dir(String controller) {
        for (CgroupHost.Hierarchy h : CgroupHost.v1Hierarchies(HostCgroups.mountinfo(), HostCgroups.procSelfCgroup())) {
            if (h.has(controller)) {
                return h.mountPoint().resolve(HostCgroups.PARENT).resolve(id);
            }
        }
        throw new AssertionError("no v1 hierarchy holds " + controller);
    }

    private static RuntimeSpec.Resources resources(RuntimeSpec.Memory memory, RuntimeSpec.Cpu cpu, Long pids) {
        return new RuntimeSpec.Resources(null, memory, cpu, pids == null ? null : new RuntimeSpec.Pids(pids), null,
                null, null, null, null);
    }

    private static RuntimeSpec.Memory memory(Long limit, Long swap) {
        return new RuntimeSpec.Memory(limit, null, swap, null, null, null, null, null, null);
    }

    private static RuntimeSpec.DeviceRule rule(boolean allow, String type, Long major, Long minor, String access) {
        return new RuntimeSpec.DeviceRule(allow, type, major, minor, access);
    }

    @Test
    void detectsV1OnThisHybridHost() {
        assertThat(Cgroups.detect().version()).isEqualTo(CgroupVersion.V1);
    }

    @Test
    void createsADirectoryInEachHierarchyItNeedsAndDestroyRemovesThemAll() {
        ContainerCgroup cgroup = host.track(CGROUPS.create(path, id, null));

        assertThat(joinedWithoutLimits()).contains(dir("devices").getParent().getParent(),
                dir("freezer").getParent().getParent(), dir("memory").getParent().getParent(),
                dir("cpuacct").getParent().getParent(), dir("pids").getParent().getParent());
        for (Path m : mountPoints()) {
            Path d = m.resolve(HostCgroups.PARENT).resolve(id);
            if (joinedWithoutLimits().contains(m)) {
                assertThat(d).isDirectory();
            } else {
                assertThat(d).doesNotExist();
            }
        }
        cgroup.destroy();
        for (Path m : mountPoints()) {
            assertThat(m.resolve(HostCgroups.PARENT).resolve(id)).doesNotExist();
        }
        cgroup.destroy(); // idempotent
    }

    @Test
    void appliesEveryLimitAndTheKernelFilesHoldThem() {
        String[] disk = HostCgroups.disk();
        long major = Long.parseLong(disk[0]);
        long minor = Long.parseLong(disk[1]);
        String dev = major + ":" + minor;
        RuntimeSpec.Resources r = new RuntimeSpec.Resources(
                List.of(rule(false, null, null, null, "rwm"), rule(true, "c", 1L, 3L, "rwm"),
                        rule(true, "c", 1L, 5L, "r"), rule(true, "b", major, null, "m")),
                new RuntimeSpec.Memory(64 * MIB, 32 * MIB, 96 * MIB, null, 8 * MIB, 10L, true, true, null),
                new RuntimeSpec.Cpu(512L, 50_000L, 1_000L, 100_000L, null, null, "0", "0", 0L),
                new RuntimeSpec.Pids(32L),
                new RuntimeSpec.BlockIo(200, null, null,
                        List.of(new RuntimeSpec.ThrottleDevice(major, minor, MIB)),
                        List.of(new RuntimeSpec.ThrottleDevice(major, minor, 2 * MIB)),
                        List.of(new RuntimeSpec.ThrottleDevice(major, minor, 100L)),
                        List.of(new RuntimeSpec.ThrottleDevice(major, minor, 200L))),
                null, null, null, null);

        host.track(CGROUPS.create(path, id, r));

        Path memory = dir("memory");
        assertThat(read(memory.resolve("memory.limit_in_bytes"))).isEqualTo(Long.toString(64 * MIB));
        assertThat(read(memory.resolve("memory.soft_limit_in_bytes"))).isEqualTo(Long.toString(32 * MIB));
        assertThat(read(memory.resolve("memory.memsw.limit_in_bytes"))).isEqualTo(Long.toString(96 * MIB));
        assertThat(read(memory.resolve("memory.kmem.tcp.limit_in_bytes"))).isEqualTo(Long.toString(8 * MIB));
        assertThat(read(memory.resolve("memory.swappiness"))).isEqualTo("10");
        assertThat(read(memory.resolve("memory.oom_control"))).contains("oom_kill_disable 1");
        assertThat(read(memory.resolve("memory.use_hierarchy"))).isEqualTo("1");
        Path cpu = dir("cpu");
        assertThat(read(cpu.resolve("cpu.shares"))).isEqualTo("512");
        assertThat(read(cpu.resolve("cpu.cfs_quota_us"))).isEqualTo("50000");
        assertThat(read(cpu.resolve("cpu.cfs_period_us"))).isEqualTo("100000");
        assertThat(read(cpu.resolve("cpu.cfs_burst_us"))).isEqualTo("1000");
        assertThat(read(cpu.resolve("cpu.idle"))).isEqualTo("0");
        assertThat(read(dir("cpuset").resolve("cpuset.cpus"))).isEqualTo("0");
        assertThat(read(dir("cpuset").resolve("cpuset.mems"))).isEqualTo("0");
        assertThat(read(dir("pids").resolve("pids.max"))).isEqualTo("32");
        Path blkio = dir("blkio");
        String weightFile = Files.exists(blkio.resolve("blkio.weight")) ? "blkio.weight" : "blkio.bfq.weight";
        assertThat(read(blkio.resolve(weightFile))).contains("200");
        assertThat(read(blkio.resolve("blkio.throttle.read_bps_device"))).isEqualTo(dev + " " + MIB);
        assertThat(read(blkio.resolve("blkio.throttle.write_bps_device"))).isEqualTo(dev + " " + 2 * MIB);
        assertThat(read(blkio.resolve("blkio.throttle.read_iops_device"))).isEqualTo(dev + " 100");
        assertThat(read(blkio.resolve("blkio.throttle.write_iops_device"))).isEqualTo(dev + " 200");
        assertThat(read(dir("devices").resolve("devices.list")).lines())
                .containsExactlyInAnyOrder("c 1:3 rwm", "c 1:5 r", "b " + major + ":* m");
    }

    @Test
    void realtimeBudgetIsAppliedBelowAParentThatHasOne() throws Exception {
        // the kernel hands out real-time time top-down: the parent needs a budget before a child can get one
        Path cpuRoot = dir("cpu").getParent().getParent();
        Path parent = cpuRoot.resolve(HostCgroups.PARENT + "-rt-" + id);
        Files.createDirectory(parent);
        try {
            Files.writeString(parent.resolve("cpu.rt_runtime_us"), "10000");
            String rtPath = "/" + parent.getFileName() + "/" + id;

            ContainerCgroup cgroup = host.track(CGROUPS.create(rtPath, id, resources(null, new RuntimeSpec.Cpu(null,
                    null, null, null, 2_000L, 500_000L, null, null, null), null)));

            assertThat(read(parent.resolve(id).resolve("cpu.rt_period_us"))).isEqualTo("500000");
            assertThat(read(parent.resolve(id).resolve("cpu.rt_runtime_us"))).isEqualTo("2000");
            cgroup.destroy();
        } finally {
            for (Path m : mountPoints()) {
                CgroupFiles.rmdir(m.resolve(parent.getFileName()));
            }
        }
    }

    @Test
    void realtimeBudgetBeyondTheParentsIsRefusedWithTheFieldNamed() {
        assertThatThrownBy(() -> CGROUPS.create(path, id, resources(null, new RuntimeSpec.Cpu(null, null, null, null,
                1_000L, null, null, null, null), null)))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("linux.resources.cpu.realtimeRuntime")
                .hasMessageContaining("cpu.rt_runtime_us");
        assertThat(dir("cpu")).doesNotExist();
    }

    @Test
    void hugepageLimitsGoToLimitAndReservationFiles() {
        host.track(CGROUPS.create(path, id, new RuntimeSpec.Resources(null, null, null, null, null,
                List.of(new RuntimeSpec.HugepageLimit("2MB", 4 * MIB)), null, null, null)));

        assertThat(read(dir("hugetlb").resolve("hugetlb.2MB.limit_in_bytes"))).isEqualTo(Long.toString(4 * MIB));
        assertThat(read(dir("hugetlb").resolve("hugetlb.2MB.rsvd.limit_in_bytes"))).isEqualTo(Long.toString(4 * MIB));
    }

    @Test
    void anUnknownHugepageSizeNamesTheMissingFile() {
        assertThatThrownBy(() -> CGROUPS.create(path, id, new RuntimeSpec.Resources(null, null, null, null, null,
                List.of(new RuntimeSpec.HugepageLimit("3MB", 4 * MIB)), null, null, null)))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("linux.resources.hugepageLimits[3MB]")
                .hasMessageContaining("hugetlb.3MB.limit_in_bytes")
                .hasMessageContaining("does not exist");
        assertThat(dir("hugetlb")).doesNotExist();
    }

    @Test
    void updateReplacesTheDeviceList() {
        ContainerCgroup cgroup = host.track(CGROUPS.create(path, id, new RuntimeSpec.Resources(
                List.of(rule(false, null, null, null, "rwm"), rule(true, "c", 1L, 3L, "rwm")),
                null, null, null, null, null, null, null, null)));

        cgroup.update(new RuntimeSpec.Resources(List.of(rule(false, null, null, null, "rwm"),
                rule(true, "c", 1L, 5L, "r")), null, null, null, null, null, null, null, null));
        assertThat(read(dir("devices").resolve("devices.list"))).isEqualTo("c 1:5 r");

        // a list that does not start by denying everything is read against an unrestricted cgroup
        cgroup.update(new RuntimeSpec.Resources(List.of(rule(false, "c", 1L, 5L, "w")), null, null, null, null,
                null, null, null, null));
        assertThat(read(dir("devices").resolve("devices.list"))).isEqualTo("a *:* rwm");
    }

    @Test
    void networkClassAndPrioritiesGoToNetClsAndNetPrio() {
        host.track(CGROUPS.create(path, id, new RuntimeSpec.Resources(null, null, null, null, null, null,
                new RuntimeSpec.Network(0x100001L, List.of(new RuntimeSpec.InterfacePriority("lo", 10))), null, null)));

        assertThat(read(dir("net_cls").resolve("net_cls.classid"))).isEqualTo(Long.toString(0x100001L));
        assertThat(read(dir("net_prio").resolve("net_prio.ifpriomap")).lines()).contains("lo 10");
    }

    @Test
    void aPriorityForAnInterfaceThatDoesNotExistIsNamed() {
        assertThatThrownBy(() -> CGROUPS.create(path, id, new RuntimeSpec.Resources(null, null, null, null, null,
                null, new RuntimeSpec.Network(null, List.of(new RuntimeSpec.InterfacePriority("nosuch0", 3))), null,
                null)))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("linux.resources.network.priorities")
                .hasMessageContaining("\"nosuch0 3\"");
        assertThat(dir("net_prio")).doesNotExist();
    }

    @Test
    void aPerDeviceWeightNeedsBfqOnThatDisk() {
        String[] disk = HostCgroups.disk();
        RuntimeSpec.Resources r = new RuntimeSpec.Resources(null, null, null, null, new RuntimeSpec.BlockIo(null,
                null, List.of(new RuntimeSpec.WeightDevice(Long.parseLong(disk[0]), Long.parseLong(disk[1]), 300, null)),
                null, null, null, null), null, null, null, null);

        if (disk[2].equals("bfq")) {
            host.track(CGROUPS.create(path, id, r));
            assertThat(read(dir("blkio").resolve("blkio.bfq.weight_device"))).contains(disk[0] + ":" + disk[1] + " 300");
        } else {
            // the kernel refuses per-device weights for a disk another scheduler drives
            assertThatThrownBy(() -> CGROUPS.create(path, id, r))
                    .isInstanceOf(CgroupException.class)
                    .hasMessageContaining("linux.resources.blockIO.weightDevice[0]")
                    .hasMessageContaining("weight_device")
                    .hasMessageContaining(disk[0] + ":" + disk[1] + " 300");
            assertThat(dir("blkio")).doesNotExist();
        }
    }

    @Test
    void newCpusetCgroupInheritsCpusAndMemsSoATaskCanJoin() {
        Path root = dir("cpuset").getParent().getParent();
        String mems = read(root.resolve("cpuset.mems"));  // given; the cpus are not
        ContainerCgroup cgroup = host.track(CGROUPS.create(path, id, resources(null,
                new RuntimeSpec.Cpu(null, null, null, null, null, null, null, mems, null), null)));

        assertThat(read(dir("cpuset").resolve("cpuset.cpus"))).isEqualTo(read(root.resolve("cpuset.cpus")));
        assertThat(read(dir("cpuset").resolve("cpuset.mems"))).isEqualTo(read(root.resolve("cpuset.mems")));
        Process sleep = host.start("sleep", "60");
        cgroup.addProcess((int) sleep.pid());
        assertThat(read(dir("cpuset").resolve("cgroup.procs"))).isEqualTo(Long.toString(sleep.pid()));
    }

    @Test
    void addProcessPutsItInEveryHierarchyAndPidsFindsNestedOnes() throws Exception {
        ContainerCgroup cgroup = host.track(CGROUPS.create(path, id, null));
        Process first = host.start("sleep", "60");
        Process nested = host.start("sleep", "60");

        cgroup.addProcess((int) first.pid());
        // a cgroup the container made for itself below its own, as systemd in a container would
        Path child = dir("pids").resolve("inner");
        Files.createDirectory(child);
        Files.writeString(child.resolve("cgroup.procs"), Long.toString(nested.pid()));

        assertThat(cgroup.pids()).containsExactlyInAnyOrder((int) first.pid(), (int) nested.pid());
        for (Path m : joinedWithoutLimits()) {
            assertThat(read(m.resolve(HostCgroups.PARENT).resolve(id).resolve("cgroup.procs")))
                    .contains(Long.toString(first.pid()));
        }
        cgroup.destroy();
        assertThat(first.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(nested.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(first.exitValue()).isEqualTo(137);
        assertThat(child).doesNotExist();
        assertThat(dir("pids")).doesNotExist();
    }

    @Test
    void destroyKillsAProcessMovedOutOfOneHierarchy() throws Exception {
        ContainerCgroup cgroup = host.track(CGROUPS.create(path, id, null));
        Process sleep = host.start("sleep", "60");
        cgroup.addProcess((int) sleep.pid());
        Path pidsRoot = dir("pids").getParent().getParent();
        Files.writeString(pidsRoot.resolve("cgroup.procs"), Long.toString(sleep.pid()));

        cgroup.destroy();

        assertThat(sleep.waitFor(5, TimeUnit.SECONDS)).isTrue();
        for (Path m : mountPoints()) {
            assertThat(m.resolve(HostCgroups.PARENT).resolve(id)).doesNotExist();
        }
    }

    @Test
    void countsARealOomKill() throws Exception {
        ContainerCgroup cgroup = host.track(CGROUPS.create(path, id,
                resources(memory(32 * MIB, 32 * MIB), null, null)));
        Process hog = host.startWaiting("x=0123456789; while :; do x=$x$x; done");
        cgroup.addProcess((int) hog.pid());
        assertThat(cgroup.oomKillCount()).isZero();

        go(hog);

        assertThat(hog.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(hog.exitValue()).isEqualTo(128 + 9);
        assertThat(cgroup.oomKillCount()).isEqualTo(1);
    }

    @Test
    void freezeStopsAProcessAndThawResumesIt() throws Exception {
        ContainerCgroup cgroup = host.track(CGROUPS.create(path, id, null));
        Process spin = host.start("sh", "-c", "while :; do :; done");
        cgroup.addProcess((int) spin.pid());

        cgroup.freeze();
        assertThat(read(dir("freezer").resolve("freezer.state"))).isEqualTo("FROZEN");
        assertThat(cgroup.frozen()).isTrue();
        long before = cgroup.stats().cpu().usageTotal();
        Thread.sleep(300);
        assertThat(cgroup.stats().cpu().usageTotal()).isEqualTo(before);

        cgroup.thaw();
        assertThat(read(dir("freezer").resolve("freezer.state"))).isEqualTo("THAWED");
        assertThat(cgroup.frozen()).isFalse();
        Thread.sleep(300);
        assertThat(cgroup.stats().cpu().usageTotal()).isGreaterThan(before);
    }

    @Test
    void statsReportUsageAndLimits() throws Exception {
        ContainerCgroup cgroup = host.track(CGROUPS.create(path, id,
                // 1 ms per 100 ms: a spinning process exceeds that even on a busy machine
                resources(memory(64 * MIB, null), new RuntimeSpec.Cpu(null, 1_000L, null, 100_000L, null, null,
                        null, null, null), 16L)));
        // memory is charged where it is allocated, so the process allocates only once it is in
        Process spin = host.startWaiting(ALLOCATE + "while :; do :; done");
        cgroup.addProcess((int) spin.pid());
        go(spin);
        // The user/system split is sampled at timer ticks, and a throttled period's time is added when it ends: on a
        // busy machine the 1 ms a period allows may take a while to show in both.
        org.awaitility.Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> {
            CgroupStats.Cpu cpu = cgroup.stats().cpu();
            return cpu.usageUser() + cpu.usageKernel() > 0 && cpu.throttledPeriods() > 0 && cpu.throttledTime() > 0;
        });

        CgroupStats stats = cgroup.stats();

        assertThat(stats.cpu().usageTotal()).isPositive();
        assertThat(stats.cpu().usageUser() + stats.cpu().usageKernel()).isPositive();
        assertThat(stats.cpu().throttlingPeriods()).isPositive();
        assertThat(stats.cpu().throttledPeriods()).isPositive();
        assertThat(stats.cpu().throttledTime()).isPositive();
        assertThat(stats.memory().limit()).isEqualTo(64 * MIB);
        assertThat(stats.memory().usage()).isPositive();
        assertThat(stats.memory().maxUsage()).isGreaterThanOrEqualTo(stats.memory().usage());
        assertThat(stats.memory().cache()).isNotNegative();
        assertThat(stats.pids()).isEqualTo(new CgroupStats.Pids(1, 16));
    }

    @Test
    void updateChangesLimitsOfALiveCgroup() {
        ContainerCgroup cgroup = host.track(CGROUPS.create(path, id,
                resources(memory(64 * MIB, 64 * MIB), new RuntimeSpec.Cpu(512L, null, null, null, null, null, null,
                        null, null), 10L)));
        Process sleep = host.start("sleep", "60");
        cgroup.addProcess((int) sleep.pid());

        // raising memory above the current memsw needs memsw written first; lowering needs the other order
        cgroup.update(resources(memory(128 * MIB, 256 * MIB), new RuntimeSpec.Cpu(2048L, 30_000L, null, 60_000L,
                null, null, null, null, null), 20L));
        assertThat(read(dir("memory").resolve("memory.limit_in_bytes"))).isEqualTo(Long.toString(128 * MIB));
        assertThat(read(dir("memory").resolve("memory.memsw.limit_in_bytes"))).isEqualTo(Long.toString(256 * MIB));
        assertThat(read(dir("cpu").resolve("cpu.shares"))).isEqualTo("2048");
        assertThat(read(dir("cpu").resolve("cpu.cfs_quota_us"))).isEqualTo("30000");
        assertThat(read(dir("cpu").resolve("cpu.cfs_period_us"))).isEqualTo("60000");
        assertThat(read(dir("pids").resolve("pids.max"))).isEqualTo("20");

        cgroup.update(resources(memory(16 * MIB, 16 * MIB), null, 0L));
        assertThat(read(dir("memory").resolve("memory.limit_in_bytes"))).isEqualTo(Long.toString(16 * MIB));
        assertThat(read(dir("memory").resolve("memory.memsw.limit_in_bytes"))).isEqualTo(Long.toString(16 * MIB));
        assertThat(read(dir("pids").resolve("pids.max"))).isEqualTo("max");

        cgroup.update(resources(memory(-1L, null), null, null));
        assertThat(cgroup.stats().memory().limit()).isEqualTo(-1);
        assertThat(cgroup.pids()).containsExactly((int) sleep.pid());
    }

    @Test
    void checkBeforeUpdateRefusesALimitBelowCurrentUsage() {
        ContainerCgroup cgroup = host.track(CGROUPS.create(path, id, resources(memory(64 * MIB, null), null, null)));
        Process p = host.startWaiting(ALLOCATE + "sleep 60");
        cgroup.addProcess((int) p.pid());
        go(p);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (cgroup.stats().memory().usage() < 4096 * 16 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }

        assertThatThrownBy(() -> cgroup.update(resources(
                new RuntimeSpec.Memory(4096L, null, null, null, null, null, null, null, true), null, null)))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("linux.resources.memory.limit 4096")
                .hasMessageContaining("checkBeforeUpdate");
        assertThat(read(dir("memory").resolve("memory.limit_in_bytes"))).isEqualTo(Long.toString(64 * MIB));
    }

    @Test
    void deviceRulesAreEnforcedOnARealProcess() {
        ContainerCgroup cgroup = host.track(CGROUPS.create(path, id, new RuntimeSpec.Resources(
                List.of(rule(false, null, null, null, "rwm"), rule(true, "c", 1L, 3L, "rw")),
                null, null, null, null, null, null, null, null)));
        Process p = host.startWaiting("head -c1 /dev/zero >/dev/null && echo zero-readable;"
                + " echo x >/dev/null && echo null-writable");
        cgroup.addProcess((int) p.pid());

        go(p);

        String out = output(p);
        assertThat(out).contains("null-writable").doesNotContain("zero-readable").contains("Operation not permitted");
    }

    @Test
    void killAllSignalsEveryProcess() throws Exception {
        ContainerCgroup cgroup = host.track(CGROUPS.create(path, id, null));
        Process a = host.start("sleep", "60");
        Process b = host.start("sleep", "60");
        cgroup.addProcess((int) a.pid());
        cgroup.addProcess((int) b.pid());

        cgroup.killAll(15);

        assertThat(a.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(b.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(a.exitValue()).isEqualTo(128 + 15);
        assertThat(cgroup.frozen()).isFalse();
    }

    @Test
    void aBadValueNamesFileValueAndFieldAndLeavesNothingBehind() {
        String top = HostCgroups.PARENT + "-" + id;

        assertThatThrownBy(() -> CGROUPS.create("/" + top + "/" + id, id, resources(null, new RuntimeSpec.Cpu(null,
                null, null, null, null, null, "0-1023", null, null), null)))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("linux.resources.cpu.cpus")
                .hasMessageContaining("\"0-1023\"")
                .hasMessageContaining("cpuset.cpus")
                .satisfies(e -> assertThat(((CgroupException) e).file().getFileName().toString())
                        .isEqualTo("cpuset.cpus"));

        for (Path m : mountPoints()) {
            assertThat(m.resolve(top)).as("nothing left in " + m).doesNotExist();
        }
    }

    @Test
    void swapBelowMemoryLimitIsRefusedByTheKernelAndNamed() {
        assertThatThrownBy(() -> CGROUPS.create(path, id, resources(memory(64 * MIB, 32 * MIB), null, null)))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("linux.resources.memory")
                .hasMessageContaining("memory.");
        assertThat(dir("memory")).doesNotExist();
    }

    @Test
    void unifiedIsRefusedOnV1() {
        assertThatThrownBy(() -> CGROUPS.create(path, id, new RuntimeSpec.Resources(null, null, null, null, null,
                null, null, null, Map.of("memory.high", "1000000"))))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("linux.resources.unified")
                .hasMessageContaining("cgroup v2");
        assertThat(dir("memory")).doesNotExist();
    }

    @Test
    void aCgroupWithProcessesInItIsNotTakenOver() {
        ContainerCgroup first = host.track(CGROUPS.create(path, id, null));
        Process sleep = host.start("sleep", "60");
        first.addProcess((int) sleep.pid());

        assertThatThrownBy(() -> CGROUPS.create(path, id, null))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("already exists and has processes");
        assertThat(first.pids()).containsExactly((int) sleep.pid());
    }

    @Test
    void openFindsTheCgroupACreateMade() {
        ContainerCgroup created = host.track(CGROUPS.create(path, id, null));
        Process sleep = host.start("sleep", "60");
        created.addProcess((int) sleep.pid());

        ContainerCgroup opened = Cgroups.detect().open(path, id);
        ContainerCgroup reopened = Cgroups.detect().open(created.directories());

        assertThat(opened.pids()).containsExactly((int) sleep.pid());
        assertThat(opened.mountSources()).isEqualTo(created.mountSources());
        assertThat(reopened.directories()).isEqualTo(created.directories()).hasSize(joinedWithoutLimits().size());
        assertThat(reopened.pids()).containsExactly((int) sleep.pid());
    }

    @Test
    void openRefusesDirectoriesOutsideTheHierarchies() {
        assertThatThrownBy(() -> CGROUPS.open(List.of(Path.of("/tmp/not-a-cgroup"))))
                .isInstanceOf(CgroupException.class).hasMessageContaining("not a cgroup below");
        assertThatThrownBy(() -> CGROUPS.open(List.of(mountPoints().get(0).resolve("a/../.."))))
                .isInstanceOf(CgroupException.class);
    }

    @Test
    void relativePathStartsAtTheRuntimesOwnCgroupInEachHierarchy() {
        List<CgroupHost.Hierarchy> hierarchies =
                CgroupHost.v1Hierarchies(HostCgroups.mountinfo(), HostCgroups.procSelfCgroup());
        List<Path> berthDirsBefore = hierarchies.stream().map(h -> h.directory(h.ownPath()).resolve("berth"))
                .filter(Files::isDirectory).toList();
        ContainerCgroup cgroup = host.track(CGROUPS.create(null, id, null));

        for (CgroupHost.Hierarchy h : hierarchies.stream().filter(x -> CgroupsV1.joins(x, null)).toList()) {
            Path expected = h.directory(h.ownPath()).resolve("berth").resolve(id);
            assertThat(expected).isDirectory();
            assertThat(cgroup.mountSources()).anySatisfy(m -> assertThat(m.source()).isEqualTo(expected));
        }
        cgroup.destroy();
        for (CgroupHost.Hierarchy h : hierarchies) {
            Path berth = h.directory(h.ownPath()).resolve("berth");
            assertThat(berth.resolve(id)).doesNotExist();
            if (!berthDirsBefore.contains(berth)) {
                CgroupFiles.rmdir(berth); // the shared parent, which destroy leaves for other containers
            }
        }
    }

    @Test
    void mountSourcesNameEveryHierarchyAsTheHostMountsIt() {
        ContainerCgroup cgroup = host.track(CGROUPS.create(path, id, resources(null,
                new RuntimeSpec.Cpu(512L, null, null, null, null, null, null, "0", null), null)));

        List<CgroupMount> mounts = cgroup.mountSources();

        assertThat(mounts).extracting(CgroupMount::target)
                .containsAll(List.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "pids"))
                .doesNotContain("blkio", "net_cls", "hugetlb");  // no limit of theirs: the container stays outside
        assertThat(mounts).filteredOn(m -> m.target().equals("memory")).singleElement()
                .satisfies(m -> {
                    assertThat(m.source()).isEqualTo(dir("memory"));
                    assertThat(m.controllers()).containsExactly("memory");
                });
    }
}
