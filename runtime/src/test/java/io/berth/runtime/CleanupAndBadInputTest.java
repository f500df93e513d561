package io.berth.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.protocol.oci.runtime.InvalidSpecException;
import io.berth.runtime.cgroup.CgroupException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** delete leaves nothing behind, and neither does a create refused for bad input. */
class CleanupAndBadInputTest extends RuntimeTestSupport {
    /** Where the cgroup of a container with cgroupsPath "/berth-test/<id>" lives in a few v1 hierarchies. */
    private static List<Path> cgroupDirs(String id) {
        return List.of(Path.of("/sys/fs/cgroup/memory/berth-test", id), Path.of("/sys/fs/cgroup/pids/berth-test", id),
                Path.of("/sys/fs/cgroup/cpu,cpuacct/berth-test", id), Path.of("/sys/fs/cgroup/devices/berth-test", id));
    }

    private Path bundleIn(String id, List<String> args, java.util.function.Consumer<ObjectNode> edit) {
        return bundle(args, s -> {
            linux(s).put("cgroupsPath", "/berth-test/" + id);
            edit.accept(s);
        });
    }

    private static String hostMounts() {
        return read(Path.of("/proc/self/mountinfo"));
    }

    private void assertNothingLeft(String id, Path bundle) {
        assertThat(stateRoot.resolve(id)).doesNotExist();
        assertThat(cgroupDirs(id)).allSatisfy(d -> assertThat(d).doesNotExist());
        assertThat(hostMounts()).doesNotContain(bundle.toString());
    }

    @Test
    void deleteRemovesCgroupMountsAndState() throws Exception {
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        String id = newId();
        Path b = bundleIn(id, List.of("sleep", "30"), s -> {
            mount(s, "/mnt", "bind", shared.toString(), "rbind");
            linux(s).with("resources").putObject("memory").put("limit", 64L << 20);
        });
        runtime.create(CreateOptions.of(id, b, Stdio.discard()));
        runtime.start(id);
        assertThat(cgroupDirs(id).get(0)).isDirectory();
        assertThat(read(cgroupDirs(id).get(0).resolve("memory.limit_in_bytes")).trim()).isEqualTo(Long.toString(64L << 20));
        runtime.delete(id, true);
        assertNothingLeft(id, b);
        assertThat(runtime.list()).isEmpty();
    }

    @Test
    void malformedJsonNamesTheLineAndLeavesNothing() throws Exception {
        String id = newId();
        Path b = bundle("true");
        Files.writeString(b.resolve("config.json"), "{\"ociVersion\": \"1.2.1\", \"process\": {\"args\": [\"true\"],}");
        assertThatThrownBy(() -> runtime.create(CreateOptions.of(id, b, Stdio.discard())))
                .isInstanceOf(InvalidSpecException.class).hasMessageContaining("config.json").hasMessageContaining("line 1");
        assertNothingLeft(id, b);
    }

    @Test
    void aDuplicateNamespaceNamesItsJsonPath() {
        String id = newId();
        Path b = bundle(List.of("true"), s -> linux(s).withArray("namespaces").addObject().put("type", "pid"));
        assertThatThrownBy(() -> runtime.create(CreateOptions.of(id, b, Stdio.discard())))
                .isInstanceOf(InvalidSpecException.class).hasMessageContaining("$.linux.namespaces[")
                .hasMessageContaining("pid");
        assertNothingLeft(id, b);
    }

    @Test
    void aMissingRootfsIsRefused() throws Exception {
        String id = newId();
        Path b = bundle(List.of("true"), s -> ((ObjectNode) s.get("root")).put("path", "no-such-rootfs"));
        assertThatThrownBy(() -> runtime.create(CreateOptions.of(id, b, Stdio.discard())))
                .isInstanceOf(ContainerRuntimeException.class).hasMessageContaining("$.root.path")
                .hasMessageContaining("no-such-rootfs");
        assertNothingLeft(id, b);
    }

    @Test
    void aUserNamespaceWithoutIdMappingsIsRefusedClearly() {
        String id = newId();
        Path b = bundle(List.of("true"), s -> linux(s).withArray("namespaces").addObject().put("type", "user"));
        assertThatThrownBy(() -> runtime.create(CreateOptions.of(id, b, Stdio.discard())))
                .isInstanceOf(ContainerRuntimeException.class).hasMessageContaining("$.linux.uidMappings");
        assertNothingLeft(id, b);
    }

    @Test
    void aLimitTheKernelRefusesLeavesNothing() {
        // The spawn thread makes the namespaces while the cgroup is created, and waits for it: it must give up.
        String id = newId();
        Path b = bundleIn(id, List.of("true"), s -> linux(s).with("resources").putObject("cpu").put("cpus", "1000-1001"));
        assertThatThrownBy(() -> runtime.create(CreateOptions.of(id, b, Stdio.discard())))
                .isInstanceOf(CgroupException.class).hasMessageContaining("linux.resources.cpu.cpus");
        assertNothingLeft(id, b);
        assertThat(Path.of("/sys/fs/cgroup/cpuset/berth-test", id)).doesNotExist();
        String next = newId();
        runtime.create(CreateOptions.of(next, bundle("true"), Stdio.discard()));  // the spawner still works
        runtime.delete(next, true);
    }

    @Test
    void aFailureInsideTheInitLeavesNothing() {
        String id = newId();
        Path b = bundleIn(id, List.of("true"), s -> mount(s, "/mnt/x", "no-such-fs", "none"));
        assertThatThrownBy(() -> runtime.create(CreateOptions.of(id, b, Stdio.discard())))
                .isInstanceOf(ContainerRuntimeException.class).hasMessageContaining("mounts: mount none (no-such-fs) on /mnt/x")
                .hasMessageContaining("No such device");
        assertNothingLeft(id, b);
    }

    @Test
    void theOomKillerIsReported() throws Exception {
        String id = newId();
        Path b = bundle(List.of("sh", "-c", "x=0123456789; while true; do x=$x$x; done"), s ->
                linux(s).with("resources").putObject("memory").put("limit", 16L << 20).put("swap", 16L << 20));
        runtime.create(CreateOptions.of(id, b, Stdio.discard()));
        runtime.start(id);
        ExitStatus exit = runtime.exitFuture(id).get(60, TimeUnit.SECONDS);
        assertThat(exit).isEqualTo(new ExitStatus(137, 9, true));
    }

    @Test
    void aSeccompProfileDeniesASyscall() {
        Run r = sh("mkdir /tmp/d 2>&1; echo rc=$?; touch /tmp/f && echo touched", s -> {
            ObjectNode seccomp = linux(s).putObject("seccomp").put("defaultAction", "SCMP_ACT_ALLOW");
            seccomp.putArray("architectures").add("SCMP_ARCH_X86_64");
            seccomp.putArray("syscalls").addObject().put("action", "SCMP_ACT_ERRNO").put("errnoRet", 1)
                    .putArray("names").add("mkdir").add("mkdirat");
        });
        assertThat(r.out()).isEqualTo("mkdir: can't create directory '/tmp/d': Operation not permitted\nrc=1\ntouched\n");
    }
}
