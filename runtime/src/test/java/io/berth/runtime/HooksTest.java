package io.berth.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Hooks run in the spec's order, in the right namespaces, with the state on stdin, within their timeouts. */
class HooksTest extends RuntimeTestSupport {
    private static void hook(ObjectNode spec, String phase, String script, Integer timeout) {
        ObjectNode h = spec.with("hooks").withArray(phase).addObject();
        h.put("path", "/bin/sh");
        h.putArray("args").add("sh").add("-c").add(script);
        if (timeout != null) {
            h.put("timeout", timeout);
        }
    }

    @Test
    void runsEveryHookInTheSpecsOrderWithTheState() throws Exception {
        String id = newId();
        Path b = bundle(List.of("sh", "-c", "echo process >> /hooklog"), s -> { });
        Path log = b.resolve("rootfs/hooklog");  // the host's view of the container's /hooklog
        editConfig(b, s -> {
            for (String phase : List.of("prestart", "createRuntime", "createContainer", "poststart", "poststop")) {
                hook(s, phase, "echo " + phase + " >> " + log + "; cat >> " + log + "; echo >> " + log, 5);
            }
            hook(s, "startContainer", "echo startContainer $(hostname) $(grep -o '\"status\":\"[a-z]*\"') >> /hooklog", 5);
            s.put("hostname", "inside");
        });
        runtime.create(CreateOptions.of(id, b, Stdio.discard()));
        runtime.start(id);
        runtime.exitFuture(id).get(10, TimeUnit.SECONDS);
        runtime.delete(id, false);
        List<String> phases = read(log).lines().filter(l -> !l.startsWith("{") && !l.isEmpty()).toList();
        assertThat(phases).containsExactly("prestart", "createRuntime", "createContainer",
                "startContainer inside \"status\":\"created\"", "process", "poststart", "poststop");
        List<String> states = read(log).lines().filter(l -> l.startsWith("{")).toList();
        assertThat(states).hasSize(5).allSatisfy(st -> assertThat(st).contains("\"id\":\"" + id + "\"")
                .contains("\"bundle\":\"" + b + "\""));
        // The create-time hooks see "created" (as crun and the runtime-tools suite have it), then running, stopped.
        assertThat(states).extracting(st -> st.replaceAll(".*\"status\":\"([a-z]+)\".*", "$1"))
                .containsExactly("created", "created", "created", "running", "stopped");
        assertThat(states.subList(0, 4)).allSatisfy(st -> assertThat(st).contains("\"pid\":"));
    }

    @Test
    void aFailingCreateRuntimeHookFailsCreateAndLeavesNothing() {
        String id = newId();
        Path b = bundle(List.of("true"), s -> hook(s, "createRuntime", "exit 3", null));
        assertThatThrownBy(() -> runtime.create(CreateOptions.of(id, b, Stdio.discard())))
                .isInstanceOf(ContainerRuntimeException.class)
                .hasMessageContaining("createRuntime[0]").hasMessageContaining("status 3");
        assertThat(stateRoot.resolve(id)).doesNotExist();
        assertThat(Path.of("/sys/fs/cgroup/memory/berth", id)).doesNotExist();
    }

    @Test
    void aHookThatOutlivesItsTimeoutFailsCreate() {
        String id = newId();
        Path b = bundle(List.of("true"), s -> hook(s, "createContainer", "sleep 10", 1));
        long start = System.nanoTime();
        assertThatThrownBy(() -> runtime.create(CreateOptions.of(id, b, Stdio.discard())))
                .isInstanceOf(ContainerRuntimeException.class).hasMessageContaining("timed out");
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(8));
        assertThat(stateRoot.resolve(id)).doesNotExist();
    }

    @Test
    void aFailingPoststartHookOnlyWarns() throws Exception {
        String id = newId();
        Path b = bundle(List.of("true"), s -> hook(s, "poststart", "exit 1", null));
        runtime.create(CreateOptions.of(id, b, Stdio.discard()));
        runtime.start(id);
        assertThat(runtime.exitFuture(id).get(10, TimeUnit.SECONDS).exitCode()).isZero();
    }
}
