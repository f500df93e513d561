package io.berth.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.protocol.oci.runtime.RuntimeSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** linux.namespaces: new ones are new, ones given by path are joined, a user namespace maps the ids. */
class NamespacesTest extends RuntimeTestSupport {
    private static String nsLink(String path) throws Exception {
        return Files.readSymbolicLink(Path.of(path)).toString();
    }

    private static void replaceNamespace(ObjectNode spec, String type, String path) {
        ArrayNode nss = linux(spec).withArray("namespaces");
        for (int i = 0; i < nss.size(); i++) {
            if (nss.get(i).get("type").asText().equals(type)) {
                ((ObjectNode) nss.get(i)).put("path", path);
            }
        }
    }

    @Test
    void everyRequestedNamespaceIsNew() throws Exception {
        Run r = sh("for n in pid net ipc uts mnt cgroup; do readlink /proc/self/ns/$n; done; echo $$");
        List<String> links = r.out().lines().toList();
        List<String> host = List.of(nsLink("/proc/self/ns/pid"), nsLink("/proc/self/ns/net"),
                nsLink("/proc/self/ns/ipc"), nsLink("/proc/self/ns/uts"), nsLink("/proc/self/ns/mnt"),
                nsLink("/proc/self/ns/cgroup"));
        for (int i = 0; i < host.size(); i++) {
            assertThat(links.get(i)).isNotEqualTo(host.get(i));
        }
        assertThat(links.get(6)).isEqualTo("1");  // the shell is pid 1 of its pid namespace
    }

    @Test
    void joinsTheNetworkAndPidNamespacesOfAnotherContainerByPath() throws Exception {
        String first = started(bundle(List.of("sleep", "30"), s -> { }));
        int pid = runtime.state(first).pid();
        Run r = sh("readlink /proc/self/ns/net; ps -o comm | grep -c sleep", s -> {
            replaceNamespace(s, "network", "/proc/" + pid + "/ns/net");
            replaceNamespace(s, "pid", "/proc/" + pid + "/ns/pid");
        });
        assertThat(r.out()).isEqualTo(nsLink("/proc/" + pid + "/ns/net") + "\n1\n");
    }

    @Test
    void joinsTheMountNamespaceOfAnotherContainerByPathAndSetsItsRootUpInside() throws Exception {
        // The second container's rootfs must exist in the first's mount namespace: the first binds it at the
        // same path and mounts a tmpfs in it, in which it writes a file the host never sees.
        Path second = bundle(List.of("cat", "/shared/note"), s -> removeCgroupMount(s));
        String root2 = second.resolve("rootfs").toString();
        String first = started(bundle(List.of("sh", "-c", "echo from-first > " + root2 + "/shared/note; exec sleep 30"),
                s -> {
                    mount(s, root2, "bind", root2, "rbind");
                    mount(s, root2 + "/shared", "tmpfs", "tmpfs");
                }));
        int pid = runtime.state(first).pid();
        Path note = Path.of("/proc/" + pid + "/root" + root2 + "/shared/note");
        for (int i = 0; i < 500 && !(Files.exists(note) && !read(note).isEmpty()); i++) {
            Thread.sleep(10);
        }
        // /proc inside the first's namespace shows the first's pid namespace, so the second joins that too.
        editConfig(second, s -> {
            replaceNamespace(s, "mount", "/proc/" + pid + "/ns/mnt");
            replaceNamespace(s, "pid", "/proc/" + pid + "/ns/pid");
        });
        Run r = run(second);
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).isEqualTo("from-first\n");
        assertThat(Path.of(root2, "shared", "note")).doesNotExist();
    }

    @Test
    void aMountNamespacePathThatCannotBeOpenedIsAClearError() {
        Path b = bundle(List.of("true"), s -> replaceNamespace(s, "mount", "/proc/999999999/ns/mnt"));
        assertThatThrownBy(() -> runtime.create(CreateOptions.of(newId(), b, Stdio.discard())))
                .isInstanceOf(ContainerRuntimeException.class)
                .hasMessage("config.json: $.linux.namespaces[4].path: /proc/999999999/ns/mnt does not exist; give "
                        + "the namespace file of a running process (/proc/<pid>/ns/...) or a bind mount of one");
        assertThat(runtime.list()).isEmpty();
    }

    @Test
    void withoutAMountNamespaceItSharesTheHostsChrootsIntoItsRootfsAndDeleteUnmountsIt() throws Exception {
        Path b = bundle(List.of("sh", "-c", "readlink /proc/self/ns/mnt; cat /marker; exec sleep 30"),
                s -> removeNamespace(s, "mount"));
        Files.writeString(b.resolve("rootfs/marker"), "inside\n");
        String id = newId();
        Path out = tmp.resolve(id + ".out");
        runtime.create(CreateOptions.of(id, b, Stdio.files(null, out, null)));
        runtime.start(id);
        for (int i = 0; i < 500 && read(out).lines().count() < 2; i++) {
            Thread.sleep(10);
        }
        assertThat(read(out)).isEqualTo(nsLink("/proc/self/ns/mnt") + "\ninside\n");
        Path execOut = tmp.resolve(id + ".exec");
        ExecProcess p = runtime.exec(id, new RuntimeSpec.Process(false, null, new RuntimeSpec.User(0L, 0L, null, null,
                null), List.of("cat", "/marker"), null, List.of("PATH=/bin"), "/", null, null, true, null, null, null),
                ExecOptions.of(Stdio.files(null, execOut, null)));
        assertThat(p.exit().get(10, TimeUnit.SECONDS).exitCode()).isZero();
        assertThat(read(execOut)).isEqualTo("inside\n");  // an exec'd process is chrooted into the rootfs too
        runtime.delete(id, true);
        assertThat(Files.readString(Path.of("/proc/self/mountinfo")))
                .doesNotContain(stateRoot.toString()).doesNotContain(b.toString());
    }

    private static void removeNamespace(ObjectNode spec, String type) {
        ArrayNode nss = linux(spec).withArray("namespaces");
        for (int i = nss.size() - 1; i >= 0; i--) {
            if (nss.get(i).get("type").asText().equals(type)) {
                nss.remove(i);
            }
        }
    }

    private static void removeCgroupMount(ObjectNode spec) {
        ArrayNode ms = mounts(spec);
        for (int i = ms.size() - 1; i >= 0; i--) {
            if (ms.get(i).get("type").asText().equals("cgroup")) {
                ms.remove(i);  // its sources are host cgroup paths, absent from the first container's namespace
            }
        }
    }

    @Test
    void aUserNamespaceMapsContainerRootToAnUnprivilegedHostIdAndFilesItWritesBelongToThatId() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        Run r = sh("cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; touch /shared/made", s -> {
            mapContainerRootTo100000(s);
            mount(s, "/shared", "bind", shared.toString(), "rbind");
        });
        assertThat(r.err()).isEmpty();
        assertThat(r.out().lines().map(l -> l.trim().replaceAll("\\s+", " ")).toList())
                .containsExactly("0 100000 65536", "0 100000 65536", "0", "0");
        assertThat(Files.getAttribute(shared.resolve("made"), "unix:uid")).isEqualTo(100000);
        assertThat(Files.getAttribute(shared.resolve("made"), "unix:gid")).isEqualTo(100000);
    }

    private static void mapContainerRootTo100000(ObjectNode s) {
        linux(s).withArray("namespaces").addObject().put("type", "user");
        linux(s).putArray("uidMappings").addObject().put("containerID", 0).put("hostID", 100000).put("size", 65536);
        linux(s).putArray("gidMappings").addObject().put("containerID", 0).put("hostID", 100000).put("size", 65536);
    }

    @Test
    void anExecdProcessJoinsTheContainersUserNamespace() throws Exception {
        String id = started(bundle(List.of("sleep", "30"), NamespacesTest::mapContainerRootTo100000));
        int pid = runtime.state(id).pid();
        Path execOut = tmp.resolve(id + ".exec");
        ExecProcess p = runtime.exec(id, new RuntimeSpec.Process(false, null, new RuntimeSpec.User(0L, 0L, null, null,
                null), List.of("sh", "-c", "readlink /proc/self/ns/user; id -u"), null, List.of("PATH=/bin"), "/",
                null, null, true, null, null, null), ExecOptions.of(Stdio.files(null, execOut, null)));
        assertThat(p.exit().get(10, TimeUnit.SECONDS).exitCode()).isZero();
        assertThat(nsLink("/proc/" + pid + "/ns/user")).isNotEqualTo(nsLink("/proc/self/ns/user"));
        assertThat(read(execOut)).isEqualTo(nsLink("/proc/" + pid + "/ns/user") + "\n0\n");
        assertThat(Files.readString(Path.of("/proc/" + pid + "/status"))).containsPattern("Uid:\\s+100000\\s");
    }

    @Test
    void withoutANetworkNamespaceItSharesTheHosts() throws Exception {
        Run r = sh("readlink /proc/self/ns/net", s -> removeNamespace(s, "network"));
        assertThat(r.out()).isEqualTo(nsLink("/proc/self/ns/net") + "\n");
    }
}
