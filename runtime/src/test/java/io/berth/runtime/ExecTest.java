package io.berth.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** exec: a new process inside a running container's namespaces, cgroup and security settings. */
class ExecTest extends RuntimeTestSupport {
    private static RuntimeSpec.Process process(List<String> args, long uid) {
        return new RuntimeSpec.Process(false, null, new RuntimeSpec.User(uid, uid, null, null, null), args, null,
                List.of("PATH=/bin:/usr/bin", "WHO=exec"), "/tmp", null, null, true, null, null, null);
    }

    @Test
    void runsInTheContainersNamespacesAndCgroup() throws Exception {
        String id = started(bundle(List.of("sleep", "30"), s -> s.put("hostname", "box")));
        Path out = tmp.resolve("out");
        ExecProcess p = runtime.exec(id, process(List.of("sh", "-c",
                "hostname; pwd; echo $WHO; id -u; cat /proc/1/cmdline | tr '\\0' ' '; echo; grep -c :memory:/$ /proc/self/cgroup; "
                + "ls /proc/self/fd; exit 4"), 1000),
                ExecOptions.of(Stdio.files(null, out, null)));
        ExitStatus exit = p.exit().get(10, TimeUnit.SECONDS);
        assertThat(exit.exitCode()).isEqualTo(4);
        assertThat(read(out)).isEqualTo("box\n/tmp\nexec\n1000\nsleep 30 \n1\n0\n1\n2\n3\n");
        assertThat(runtime.state(id).status()).isEqualTo("running");
    }

    @Test
    void aMissingBinaryFailsTheExec() {
        String id = started(bundle("sleep", "30"));
        assertThatThrownBy(() -> runtime.exec(id, process(List.of("no-such-tool"), 0), ExecOptions.of(Stdio.discard())))
                .isInstanceOf(ContainerRuntimeException.class).hasMessageContaining("no-such-tool");
        assertThat(runtime.processes(id)).hasSize(1);
    }

    @Test
    void execIntoAStoppedContainerFails() throws Exception {
        String id = started(bundle("true"));
        runtime.exitFuture(id).get(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> runtime.exec(id, process(List.of("true"), 0), ExecOptions.of(Stdio.discard())))
                .isInstanceOf(ContainerStateException.class).hasMessageContaining("stopped");
    }
}
