package io.berth.runtime.cgroup;

import static io.berth.runtime.cgroup.HostCgroups.go;
import static io.berth.runtime.cgroup.HostCgroups.output;
import static io.berth.runtime.cgroup.HostCgroups.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import io.berth.runtime.linux.Linux;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cgroup v2 implementation on this host's real cgroup2 hierarchy. On a hybrid host v1 holds every
 * controller, so this covers what v2 offers without them: directories, cgroup.procs, cgroup.freeze,
 * cgroup.kill, cpu.stat, core cgroup.* files through {@code unified}, the eBPF device program (which the
 * kernel enforces on a hybrid host too), and the errors for limits whose controller is absent. When no
 * cgroup2 is mounted the test mounts one, and unmounts it afterwards.
 */
class CgroupsV2Test {
    private static Path mountedHere;
    private static CgroupHost.Hierarchy hierarchy;
    private static CgroupsV2 cgroups;

    private final HostCgroups host = new HostCgroups();
    private final String id = HostCgroups.newId();
    private final String path = "/" + HostCgroups.PARENT + "/" + id;

    @BeforeAll
    static void findOrMountCgroup2() throws Exception {
        hierarchy = CgroupHost.v2Hierarchy(HostCgroups.mountinfo(), HostCgroups.procSelfCgroup());
        if (hierarchy == null) {
            mountedHere = Files.createTempDirectory("berth-cgroup2-");
            Process mount = new ProcessBuilder("mount", "-t", "cgroup2", "none", mountedHere.toString())
                    .inheritIO().start();
            assertThat(mount.waitFor()).as("mount -t cgroup2").isZero();
            hierarchy = CgroupHost.v2Hierarchy(HostCgroups.mountinfo(), HostCgroups.procSelfCgroup());
        }
        cgroups = new CgroupsV2(hierarchy);
    }

    @AfterAll
    static void removeParentAndUnmount() throws Exception {
        CgroupFiles.rmdir(hierarchy.mountPoint().resolve(HostCgroups.PARENT));
        if (mountedHere != null) {
            assertThat(new ProcessBuilder("umount", mountedHere.toString()).inheritIO().start().waitFor()).isZero();
            Files.delete(mountedHere);
        }
    }

    @AfterEach
    void cleanUp() {
        host.close();
    }

    private Path dir() {
        return hierarchy.mountPoint().resolve(HostCgroups.PARENT).resolve(id);
    }

    private static RuntimeSpec.Resources devices(RuntimeSpec.DeviceRule... rules) {
        return new RuntimeSpec.Resources(List.of(rules), null, null, null, null, null, null, null, null);
    }

    private static RuntimeSpec.DeviceRule rule(boolean allow, String type, Long major, Long minor, String access) {
        return new RuntimeSpec.DeviceRule(allow, type, major, minor, access);
    }

    private static RuntimeSpec.Resources unified(Map<String, String> unified) {
        return new RuntimeSpec.Resources(null, null, null, null, null, null, null, null, unified);
    }

    @Test
    void createsOneDirectoryAndDestroyRemovesIt() {
        ContainerCgroup cgroup = host.track(cgroups.create(path, id, null));

        assertThat(cgroup.version()).isEqualTo(CgroupVersion.V2);
        assertThat(dir()).isDirectory();
        assertThat(cgroup.mountSources()).containsExactly(new CgroupMount(dir(), "", List.of()));
        assertThat(cgroup.directories()).containsExactly(dir());
        assertThat(cgroups.open(cgroup.directories()).directories()).containsExactly(dir());
        assertThatThrownBy(() -> cgroups.open(List.of(hierarchy.mountPoint()))).isInstanceOf(CgroupException.class);
        cgroup.destroy();
        assertThat(dir()).doesNotExist();
        cgroup.destroy();
    }

    @Test
    void addProcessAndPidsIncludingNestedCgroups() throws Exception {
        ContainerCgroup cgroup = host.track(cgroups.create(path, id, null));
        Process first = host.start("sleep", "60");
        Process nested = host.start("sleep", "60");

        cgroup.addProcess((int) first.pid());
        Files.createDirectory(dir().resolve("inner"));
        Files.writeString(dir().resolve("inner").resolve("cgroup.procs"), Long.toString(nested.pid()));

        assertThat(read(dir().resolve("cgroup.procs"))).isEqualTo(Long.toString(first.pid()));
        assertThat(cgroup.pids()).containsExactlyInAnyOrder((int) first.pid(), (int) nested.pid());
        cgroup.destroy();
        assertThat(nested.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(dir()).doesNotExist();
    }

    @Test
    void freezeStopsAProcessAndThawResumesIt() throws Exception {
        ContainerCgroup cgroup = host.track(cgroups.create(path, id, null));
        Process spin = host.start("sh", "-c", "while :; do :; done");
        cgroup.addProcess((int) spin.pid());

        cgroup.freeze();
        assertThat(read(dir().resolve("cgroup.events"))).contains("frozen 1");
        assertThat(cgroup.frozen()).isTrue();
        long before = cgroup.stats().cpu().usageTotal();
        Thread.sleep(300);
        assertThat(cgroup.stats().cpu().usageTotal()).isEqualTo(before);

        cgroup.thaw();
        assertThat(read(dir().resolve("cgroup.events"))).contains("frozen 0");
        assertThat(cgroup.frozen()).isFalse();
        Thread.sleep(300);
        assertThat(cgroup.stats().cpu().usageTotal()).isGreaterThan(before);
    }

    @Test
    void killAllWithSigkillEmptiesTheCgroupThroughCgroupKill() throws Exception {
        ContainerCgroup cgroup = host.track(cgroups.create(path, id, null));
        Process a = host.start("sleep", "60");
        Process b = host.start("sleep", "60");
        cgroup.addProcess((int) a.pid());
        cgroup.addProcess((int) b.pid());

        cgroup.killAll(9);

        assertThat(a.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(b.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(a.exitValue()).isEqualTo(137);
        assertThat(cgroup.pids()).isEmpty();
    }

    @Test
    void killAllWithAnotherSignalKeepsAFrozenCgroupFrozen() throws Exception {
        ContainerCgroup cgroup = host.track(cgroups.create(path, id, null));
        Process a = host.start("sleep", "60");
        cgroup.addProcess((int) a.pid());
        cgroup.freeze();

        cgroup.killAll(15);

        // the v2 freezer lets a fatal signal through to a frozen task
        assertThat(a.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(a.exitValue()).isEqualTo(128 + 15);
        assertThat(cgroup.frozen()).isTrue();
    }

    @Test
    void theDeviceProgramIsLoadedAttachedAndEnforced() {
        ContainerCgroup cgroup = host.track(cgroups.create(path, id, devices(rule(false, "a", null, null, "rwm"),
                rule(true, "c", 1L, 3L, "rw"))));
        assertThat(attachedPrograms()).hasSize(1);
        Process p = host.startWaiting("head -c1 /dev/zero >/dev/null && echo zero-readable;"
                + " echo x >/dev/null && echo null-writable");
        cgroup.addProcess((int) p.pid());

        go(p);

        assertThat(output(p)).contains("null-writable").doesNotContain("zero-readable")
                .contains("Operation not permitted");
    }

    @Test
    void theVerifierAcceptsEveryShapeOfList() {
        List<List<RuntimeSpec.DeviceRule>> lists = List.of(
                List.of(),
                List.of(rule(true, null, null, null, null)),
                List.of(rule(false, null, null, null, "rwm")),
                List.of(rule(false, null, null, null, "rwm"), rule(true, null, null, null, "rwm")),
                List.of(rule(true, "c", null, null, "rwm"), rule(false, "c", 1L, 3L, "w")),
                List.of(rule(false, "b", 8L, null, "m"), rule(true, "c", 1L, null, "r"), rule(false, "a", null, 9L, "w")));
        for (List<RuntimeSpec.DeviceRule> rules : lists) {
            String listId = HostCgroups.newId();
            ContainerCgroup cgroup = cgroups.create("/" + HostCgroups.PARENT + "/" + listId, listId,
                    new RuntimeSpec.Resources(rules, null, null, null, null, null, null, null, null));
            cgroup.destroy();
        }
    }

    @Test
    void updateReplacesTheDeviceProgram() {
        ContainerCgroup cgroup = host.track(cgroups.create(path, id, devices(rule(false, null, null, null, "rwm"),
                rule(true, "c", 1L, 3L, "rwm"))));
        int[] before = attachedPrograms();

        cgroup.update(devices(rule(false, null, null, null, "rwm"), rule(true, "c", 1L, 3L, "rwm"),
                rule(true, "c", 1L, 5L, "r")));

        int[] after = attachedPrograms();
        assertThat(after).hasSize(1).doesNotContain(before);
        Process p = host.startWaiting("head -c1 /dev/zero >/dev/null && echo zero-readable;"
                + " echo x >/dev/zero || echo zero-not-writable");
        cgroup.addProcess((int) p.pid());
        go(p);
        assertThat(output(p)).contains("zero-readable").contains("zero-not-writable");
    }

    private int[] attachedPrograms() {
        Linux linux = Linux.get();
        int fd = linux.open(dir().toString(), Linux.O_RDONLY | Linux.O_DIRECTORY, 0);
        try {
            return DeviceProgram.attachedIds(linux, fd, dir());
        } finally {
            linux.closeQuietly(fd);
        }
    }

    @Test
    void aLimitWhoseControllerIsAbsentNamesItAndLeavesNothingBehind() {
        String top = HostCgroups.PARENT + "-" + id;
        RuntimeSpec.Resources memory = new RuntimeSpec.Resources(null,
                new RuntimeSpec.Memory(64L << 20, null, null, null, null, null, null, null, null), null, null, null,
                null, null, null, null);

        assertThatThrownBy(() -> cgroups.create("/" + top + "/" + id, id, memory))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("linux.resources.memory.limit")
                .hasMessageContaining("\"memory\" controller")
                .hasMessageContaining("cgroup.controllers");
        assertThat(hierarchy.mountPoint().resolve(top)).doesNotExist();
    }

    @Test
    void unifiedWritesCoreFilesAndRefusesTheOnesThatMoveProcesses() {
        ContainerCgroup cgroup = host.track(cgroups.create(path, id, unified(Map.of("cgroup.max.descendants", "5"))));
        assertThat(read(dir().resolve("cgroup.max.descendants"))).isEqualTo("5");

        cgroup.update(unified(Map.of("cgroup.max.depth", "2")));
        assertThat(read(dir().resolve("cgroup.max.depth"))).isEqualTo("2");

        assertThatThrownBy(() -> cgroup.update(unified(Map.of("cgroup.procs", "1"))))
                .isInstanceOf(CgroupException.class).hasMessageContaining("unified[\"cgroup.procs\"]");
        assertThatThrownBy(() -> cgroup.update(unified(Map.of("../cgroup.max.depth", "1"))))
                .isInstanceOf(CgroupException.class).hasMessageContaining("is not a cgroup limit file");
        assertThatThrownBy(() -> cgroup.update(unified(Map.of("memory.high", "1000000"))))
                .isInstanceOf(CgroupException.class).hasMessageContaining("\"memory\" controller");
        assertThatThrownBy(() -> cgroup.update(unified(Map.of("cgroup.max.depth", "lots"))))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("cannot write \"lots\" to " + dir().resolve("cgroup.max.depth"));
    }

    @Test
    void statsReadCpuFromTheCoreAndReportAbsentControllersAsUnlimited() throws Exception {
        ContainerCgroup cgroup = host.track(cgroups.create(path, id, null));
        Process spin = host.start("sh", "-c", "while :; do :; done");
        cgroup.addProcess((int) spin.pid());
        Thread.sleep(300);

        CgroupStats stats = cgroup.stats();

        assertThat(stats.cpu().usageTotal()).isPositive();
        assertThat(stats.cpu().usageUser() + stats.cpu().usageKernel()).isPositive();
        assertThat(stats.memory()).isEqualTo(new CgroupStats.Memory(0, -1, 0, 0));
        assertThat(stats.pids()).isEqualTo(new CgroupStats.Pids(0, -1));
        assertThat(cgroup.oomKillCount()).isZero();
    }

    @Test
    void aRelativePathStartsAtTheParentOfTheRuntimesOwnCgroup() {
        String own = hierarchy.ownPath();
        String parent = own.lastIndexOf('/') <= 0 ? "/" : own.substring(0, own.lastIndexOf('/'));
        Path expected = hierarchy.directory(parent).resolve(HostCgroups.PARENT + "-rel").resolve(id);

        ContainerCgroup cgroup = host.track(cgroups.create(HostCgroups.PARENT + "-rel/" + id, id, null));

        assertThat(cgroup.mountSources().get(0).source()).isEqualTo(expected);
        assertThat(expected).isDirectory();
        cgroup.destroy();
        CgroupFiles.rmdir(expected.getParent());
    }

    @Test
    void aCgroupWithProcessesInItIsNotTakenOver() throws IOException {
        ContainerCgroup first = host.track(cgroups.create(path, id, null));
        Process sleep = host.start("sleep", "60");
        first.addProcess((int) sleep.pid());

        assertThatThrownBy(() -> cgroups.create(path, id, devices(rule(false, null, null, null, "rwm"))))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("already exists and has processes");
        assertThat(attachedPrograms()).isEmpty();
    }
}
