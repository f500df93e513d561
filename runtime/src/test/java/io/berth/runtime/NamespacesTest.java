package io.berth.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** linux.namespaces: new ones are new, ones given by path are joined. */
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
    void withoutANetworkNamespaceItSharesTheHosts() throws Exception {
        Run r = sh("readlink /proc/self/ns/net", s -> {
            ArrayNode nss = linux(s).withArray("namespaces");
            for (int i = nss.size() - 1; i >= 0; i--) {
                if (nss.get(i).get("type").asText().equals("network")) {
                    nss.remove(i);
                }
            }
        });
        assertThat(r.out()).isEqualTo(nsLink("/proc/self/ns/net") + "\n");
    }
}
