package io.berth.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** root, mounts, devices, masked and readonly paths, sysctl, and the escapes the runtime must refuse. */
class FilesystemTest extends RuntimeTestSupport {
    @Test
    void aReadOnlyRootCannotBeWritten() {
        Run r = sh("touch /x 2>&1; echo rc=$?; touch /dev/shm/ok && echo shm-ok",
                s -> ((ObjectNode) s.get("root")).put("readonly", true));
        assertThat(r.out()).contains("Read-only file system").contains("rc=1").contains("shm-ok");
    }

    @Test
    void maskedPathsShowNothing() throws Exception {
        Path b = bundle(List.of("sh", "-c", "cat /etc/secret; echo; ls /sys/firmware | wc -l; wc -c < /proc/keys"),
                s -> linux(s).withArray("maskedPaths").add("/etc/secret"));
        Files.writeString(b.resolve("rootfs/etc/secret"), "s3cret");
        Run r = run(b);
        assertThat(r.out()).isEqualTo("\n0\n0\n");
    }

    @Test
    void readonlyPathsCannotBeWritten() throws Exception {
        Path b = bundle(List.of("sh", "-c", "touch /data/x 2>&1; echo 1 > /proc/sys/kernel/domainname 2>&1; cat /data/f"),
                s -> linux(s).withArray("readonlyPaths").add("/data"));
        Files.createDirectories(b.resolve("rootfs/data"));
        Files.writeString(b.resolve("rootfs/data/f"), "readable\n");
        Run r = run(b);
        assertThat(r.out()).contains("touch: /data/x: Read-only file system").contains("Read-only file system")
                .endsWith("readable\n");
    }

    @Test
    void createsDefaultAndConfiguredDevicesAndSymlinks() {
        Run r = sh("for d in null zero full random urandom tty fuse; do stat -c '%n %F %t:%T %a' /dev/$d; done; "
                + "readlink /dev/fd; readlink /dev/stdin; readlink /dev/ptmx; head -c 3 /dev/zero | wc -c",
                s -> linux(s).putArray("devices").addObject().put("type", "c").put("path", "/dev/fuse")
                        .put("major", 10).put("minor", 229).put("fileMode", 0640));
        assertThat(r.out()).isEqualTo("""
                /dev/null character special file 1:3 666
                /dev/zero character special file 1:5 666
                /dev/full character special file 1:7 666
                /dev/random character special file 1:8 666
                /dev/urandom character special file 1:9 666
                /dev/tty character special file 5:0 666
                /dev/fuse character special file a:e5 640
                /proc/self/fd
                /proc/self/fd/0
                pts/ptmx
                3
                """);
    }

    @Test
    void bindMountsHonourReadOnlyAndTmpfsOptions() throws Exception {
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Files.writeString(shared.resolve("hello"), "from host\n");
        Path rw = Files.createDirectories(tmp.resolve("rw"));
        Run r = sh("cat /mnt/ro/hello; touch /mnt/ro/x 2>&1; echo w > /mnt/rw/written; "
                + "grep ' /scratch ' /proc/self/mountinfo | grep -o 'nosuid' ; df -k /scratch | tail -1 | awk '{print $2}'",
                s -> {
                    mount(s, "/mnt/ro", "bind", shared.toString(), "bind", "ro");
                    mount(s, "/mnt/rw", "bind", rw.toString(), "rbind", "rw");
                    mount(s, "/scratch", "tmpfs", "tmpfs", "nosuid", "size=1m");
                });
        assertThat(r.out()).isEqualTo("from host\ntouch: /mnt/ro/x: Read-only file system\nnosuid\n1024\n");
        assertThat(read(rw.resolve("written"))).isEqualTo("w\n");
    }

    @Test
    void aMountDestinationThroughASymlinkStaysInsideTheRootfs() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path source = Files.createDirectories(tmp.resolve("source"));
        Files.writeString(source.resolve("file"), "mounted\n");
        Path b = bundle(List.of("sh", "-c", "cat /mnt/escape/inner/file; cat /mnt/up/inner2/file"), s -> {
            mount(s, "/mnt/escape/inner", "bind", source.toString(), "bind");
            mount(s, "/mnt/up/inner2", "bind", source.toString(), "bind");
        });
        Path rootfs = b.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("mnt"));
        Files.createSymbolicLink(rootfs.resolve("mnt/escape"), outside);  // absolute: the host's outside dir
        Files.createSymbolicLink(rootfs.resolve("mnt/up"), Path.of("../../../../../../.." + outside));
        Run r = run(b);
        assertThat(r.out()).isEqualTo("mounted\nmounted\n");
        assertThat(outside.resolve("inner")).doesNotExist();
        assertThat(outside.resolve("inner2")).doesNotExist();
        assertThat(rootfs.resolve(outside.toString().substring(1)).resolve("inner")).isDirectory();
    }

    @Test
    void aCwdThroughAnInheritedFdIsRefused() {
        for (int fd = 3; fd <= 8; fd++) {
            String cwd = "/proc/self/fd/" + fd;
            String id = newId();
            Path b = bundle(List.of("pwd"), s -> process(s).put("cwd", cwd));
            assertThatThrownBy(() -> runtime.create(CreateOptions.of(id, b, Stdio.discard())))
                    .as(cwd).isInstanceOf(ContainerRuntimeException.class).hasMessageContaining("cwd");
            assertThat(stateRoot.resolve(id)).doesNotExist();
        }
    }

    @Test
    void theContainerInheritsNoFdOfTheJvm() {
        Run r = sh("ls /proc/self/fd");
        assertThat(r.out()).isEqualTo("0\n1\n2\n3\n");  // 3 is ls's own handle on the directory
    }

    @Test
    void preservedFdsReachTheContainer() throws Exception {
        // The JVM's fd 3 and 4 (whatever they are) are passed, and nothing above them.
        String id = newId();
        Path out = tmp.resolve("out");
        runtime.create(new CreateOptions(id, bundle("ls", "/proc/self/fd"), null, null, 2, false, false,
                Stdio.files(null, out, null)));
        runtime.start(id);
        runtime.exitFuture(id).get();
        assertThat(read(out)).isEqualTo("0\n1\n2\n3\n4\n5\n");
    }

    @Test
    void writesSysctls() {
        Run r = sh("cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax",
                s -> linux(s).putObject("sysctl").put("net.ipv4.ip_forward", "1").put("kernel.msgmax", "4096"));
        assertThat(r.out()).isEqualTo("1\n4096\n");
    }

    @Test
    void aCgroupMountShowsTheContainersOwnCgroup() {
        Run r = sh("cat /sys/fs/cgroup/memory/memory.limit_in_bytes; cat /proc/self/cgroup | grep memory",
                s -> linux(s).with("resources").putObject("memory").put("limit", 64L << 20));
        assertThat(r.out()).isEqualTo((64L << 20) + "\n" + r.out().lines().skip(1).findFirst().orElse("") + "\n");
        assertThat(r.out()).endsWith(":memory:/\n");  // the cgroup namespace makes its cgroup the root
    }

    @Test
    void aReadOnlyCgroupMountIsReadOnlyWithEveryHierarchyBelowIt() {
        Run r = sh("touch /sys/fs/cgroup/x; echo 1 > /sys/fs/cgroup/pids/pids.max; "
                + "awk '$5 ~ \"^/sys/fs/cgroup\" {split($6, o, \",\"); print $5, o[1], o[2], o[3], o[4]}' "
                + "/proc/self/mountinfo", s -> { });
        assertThat(r.out() + r.err()).contains("/sys/fs/cgroup/x: Read-only file system")
                .contains("/sys/fs/cgroup/pids/pids.max: Read-only file system");
        List<String> mounts = r.out().lines().filter(l -> l.startsWith("/sys/fs/cgroup")).toList();
        assertThat(mounts).contains("/sys/fs/cgroup ro nosuid nodev noexec")
                .contains("/sys/fs/cgroup/memory ro nosuid nodev noexec")
                .contains("/sys/fs/cgroup/pids ro nosuid nodev noexec")
                .allSatisfy(m -> assertThat(m).endsWith(" ro nosuid nodev noexec"));
    }

    @Test
    void noPivotUsesMoveAndChroot() {
        String id = newId();
        Path out = tmp.resolve("out");
        runtime.create(new CreateOptions(id, bundle("sh", "-c", "ls /; cat /proc/self/mountinfo | wc -l"), null, null,
                0, true, false, Stdio.files(null, out, null)));
        runtime.start(id);
        runtime.exitFuture(id).join();
        assertThat(read(out)).contains("bin\n").contains("proc\n");
    }

    /**
     * The rootfs sits on a shared mount (as under systemd) so each propagation leaves a visible tag on the
     * container's root: rslave before the rootfs bind makes it master:N; shared adds a peer group; private and
     * unbindable drop the master. Unbindable once made the bind of the rootfs onto itself fail with EINVAL.
     */
    @ParameterizedTest
    @CsvSource({"shared, 'shared:[0-9]+ master:[0-9]+'", "slave, 'master:[0-9]+'", "private, ''",
            "unbindable, unbindable", "rslave, 'master:[0-9]+'", "runbindable, unbindable"})
    void rootfsPropagationIsAppliedToTheContainersRoot(String propagation, String expected) throws Exception {
        host("mount", "--bind", tmp.toString(), tmp.toString());  // bundle() puts the bundle under tmp
        try {
            host("mount", "--make-shared", tmp.toString());
            Run r = sh("awk '$5 == \"/\" { t = \"\"; for (i = 7; $i != \"-\"; i++) t = t $i \" \"; print t }' "
                    + "/proc/self/mountinfo", s -> linux(s).put("rootfsPropagation", propagation));
            assertThat(r.out().strip()).matches(expected == null ? "" : expected);
        } finally {
            host("umount", "-l", tmp.toString());
        }
    }

    private static void host(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", command), out).isZero();
    }
}
