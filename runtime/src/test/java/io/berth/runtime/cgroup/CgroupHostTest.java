package io.berth.runtime.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Detection and path resolution over mountinfo texts of the host shapes a runtime meets. */
class CgroupHostTest {
    private static final String HYBRID = """
            31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
            35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            """;
    private static final String HYBRID_SELF = """
            4:memory:/user.slice/session-1.scope
            2:cpu,cpuacct:/user.slice
            1:name=systemd:/user.slice/session-1.scope
            0::/user.slice/session-1.scope
            """;
    private static final String PURE_V2 = """
            25 22 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate
            """;

    @Test
    void aHostWithV1ControllersIsV1EvenWithACgroup2Mounted() {
        assertThat(CgroupHost.detect(HYBRID, HYBRID_SELF).version()).isEqualTo(CgroupVersion.V1);
    }

    @Test
    void aHostWithOnlyCgroup2IsV2() {
        assertThat(CgroupHost.detect(PURE_V2, "0::/system.slice/berth.service\n").version())
                .isEqualTo(CgroupVersion.V2);
    }

    @Test
    void aHostWithNoCgroupFilesystemIsAClearError() {
        assertThatThrownBy(() -> CgroupHost.detect("22 1 0:5 / /proc rw - proc proc rw\n", ""))
                .isInstanceOf(CgroupException.class).hasMessageContaining("no cgroup filesystem is mounted");
    }

    @Test
    void coMountedControllersAreOneHierarchyAndNamedOnesCount() {
        List<CgroupHost.Hierarchy> hierarchies = CgroupHost.v1Hierarchies(HYBRID, HYBRID_SELF);

        assertThat(hierarchies).extracting(CgroupHost.Hierarchy::controllers).containsExactly(
                List.of("cpu", "cpuacct"), List.of("memory"), List.of("name=systemd"));
        assertThat(hierarchies.get(0).targetName()).isEqualTo("cpu,cpuacct");
        assertThat(hierarchies.get(0).ownPath()).isEqualTo("/user.slice");
        assertThat(hierarchies.get(1).ownPath()).isEqualTo("/user.slice/session-1.scope");
    }

    @Test
    void absolutePathsStartAtTheMountPointAndRelativeOnesAtTheOwnCgroup() {
        CgroupHost.Hierarchy memory = CgroupHost.v1Hierarchies(HYBRID, HYBRID_SELF).get(1);

        assertThat(CgroupHost.CgroupPath.of("/berth/c1", "c1").directoryIn(memory, false))
                .isEqualTo(Path.of("/sys/fs/cgroup/memory/berth/c1"));
        assertThat(CgroupHost.CgroupPath.of(null, "c1").directoryIn(memory, false))
                .isEqualTo(Path.of("/sys/fs/cgroup/memory/user.slice/session-1.scope/berth/c1"));
    }

    @Test
    void onV2ARelativePathStartsAtTheParentOfTheOwnCgroup() {
        CgroupHost.Hierarchy v2 = CgroupHost.v2Hierarchy(PURE_V2, "0::/system.slice/berth.service\n");

        assertThat(CgroupHost.CgroupPath.of("pods/c1", "c1").directoryIn(v2, true))
                .isEqualTo(Path.of("/sys/fs/cgroup/system.slice/pods/c1"));
    }

    @Test
    void aBindMountedSubtreeResolvesTheOwnCgroupBelowItsRoot() {
        String mountinfo = "30 20 0:30 /kubepods/pod1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
        CgroupHost.Hierarchy v2 = CgroupHost.v2Hierarchy(mountinfo, "0::/kubepods/pod1/ctr\n");

        assertThat(v2.directory("/kubepods/pod1/ctr")).isEqualTo(Path.of("/sys/fs/cgroup/ctr"));
        assertThat(v2.directory("/other")).isNull();
        assertThat(CgroupHost.CgroupPath.of("x", "c1").directoryIn(v2, true)).isEqualTo(Path.of("/sys/fs/cgroup/x"));
    }

    @Test
    void mountPointEscapesAreDecoded() {
        String mountinfo = "41 31 0:38 / /mnt/cgroup\\040two rw - cgroup2 cgroup2 rw\n";
        assertThat(CgroupHost.v2Hierarchy(mountinfo, "0::/\n").mountPoint()).isEqualTo(Path.of("/mnt/cgroup two"));
    }

    @Test
    void pathsThatEscapeOrNameTheRootOrUseTheSystemdDriverAreRefused() {
        assertThatThrownBy(() -> CgroupHost.CgroupPath.of("/berth/../../etc", "c1"))
                .isInstanceOf(CgroupException.class).hasMessageContaining("\"..\"");
        assertThatThrownBy(() -> CgroupHost.CgroupPath.of("/", "c1"))
                .isInstanceOf(CgroupException.class).hasMessageContaining("root cgroup");
        assertThatThrownBy(() -> CgroupHost.CgroupPath.of("system.slice:berth:c1", "c1"))
                .isInstanceOf(CgroupException.class).hasMessageContaining("systemd");
        assertThat(CgroupHost.CgroupPath.of("//a/./b/", "c1").parts()).containsExactly("a", "b");
    }
}
