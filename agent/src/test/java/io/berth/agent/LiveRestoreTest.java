package io.berth.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.protocol.oci.image.ImageConfig;
import io.berth.runtime.ContainerRuntime;
import io.berth.runtime.ContainerStatus;
import io.berth.runtime.bundle.BusyboxBundle;
import io.berth.storage.image.ImageStore;
import io.berth.storage.image.ImageStoreOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Live restore across a SIGKILL of the agent's JVM: the agent runs in a child JVM ({@link ChildAgent}), is
 * killed while its containers run, and a new child JVM over the same data directory takes them up.
 */
class LiveRestoreTest {
    static final long PID = ProcessHandle.current().pid();
    static final String NETWORK = "berth-lr" + PID;
    static final String BRIDGE = "blr" + (PID % 1_000_000);
    static final String SUBNET = "10.233." + (PID % 250) + ".0/24";

    private Path dir;
    private ContainerRuntime runtime;
    private final List<Child> children = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("berth-live-restore");
        try (ImageStore images = ImageStore.open(dir.resolve("images"), ImageStoreOptions.defaults())) {
            Path bundle = BusyboxBundle.create(dir.resolve("busybox"), BusyboxBundle.defaultSpec(List.of("sh")));
            images.createImage(AgentFixture.BUSYBOX, bundle.resolve("rootfs"), new ImageConfig.ExecConfig(null, null,
                    List.of("PATH=/bin:/sbin:/usr/bin:/usr/sbin"), null, List.of("sh"), null, null, null, null));
        }
        // this JVM only looks: the runtime keeps no lock, unlike the image store the child JVMs open in turn
        runtime = ContainerRuntime.open(dir.resolve("state"));
    }

    @Test
    void aSigkilledAgentsSuccessorAdoptsRunningContainersAndReportsTheOnesThatEndedMeanwhile() throws Exception {
        Child first = start();
        first.send("assign long 1 i=0; while true; do echo line $i; i=$((i+1)); sleep 0.05; done");
        first.send("assign short 0 sleep 3; exit 7");
        first.send("assign gone 0 sleep 1000");
        first.send("assign-checked checked 1 touch /local/healthy; exec sleep 1000");
        first.send("assign-pod pod 1 exec sleep 1000");
        first.await("long", "RUNNING");
        first.await("short", "RUNNING");
        first.await("gone", "RUNNING");
        first.await("checked", "RUNNING");
        first.await("pod", "RUNNING");
        int podMainPid = runtime.state("pod.main").pid();
        int longPid = runtime.state("long.main").pid();
        int gonePid = runtime.state("gone.main").pid();
        Path log = dir.resolve("agent/allocs/long/tasks/main/logs/stdout.log");
        await().atMost(Duration.ofSeconds(10)).until(() -> lineCount(log) >= 5);

        first.kill();
        int linesAtKill = lineCount(log);
        runtime.delete("gone.main", true);  // as after a reboot: its rootfs mount and network namespace stay behind
        runtime.kill("pod.side", 9, true);  // one task of a two-task allocation ends while no agent watches
        await().atMost(Duration.ofSeconds(20)).until(() -> runtime.status("short.main") == ContainerStatus.STOPPED);
        assertThat(runtime.status("long.main")).isEqualTo(ContainerStatus.RUNNING);

        Child second = start();
        second.await("long", "RUNNING");
        assertThat(runtime.state("long.main").pid()).as("the same container, not started again").isEqualTo(longPid);
        second.await("short", "FAILED");
        assertThat(second.of("long")).containsExactly(new Event("long", "RUNNING", "-", "adopted after an agent restart"));
        assertThat(second.of("short")).containsExactly(new Event("short", "EXITED", "7", "while the agent was down"),
                new Event("short", "FAILED", "-", "restart policy exhausted: 0 restarts within PT10M"));
        // with no container left, what the run left is cleaned up and the task starts again
        assertThat(second.await("gone", "PENDING").detail())
                .isEqualTo("the agent restarted and found no container; the task is started again");
        second.await("gone", "RUNNING");
        assertThat(runtime.state("gone.main").pid()).isNotEqualTo(gonePid);

        // every task of an allocation is taken up: the one still running adopted, the one that ended restarted
        assertThat(second.await("pod", "RUNNING").detail()).isEmpty();
        assertThat(second.of("pod")).extracting(Event::state, Event::code, Event::detail).containsExactly(
                org.assertj.core.groups.Tuple.tuple("EXITED", "137", "task side: killed by signal 9, while the agent was down"),
                org.assertj.core.groups.Tuple.tuple("STARTING", "-", "task side: restart 1"),
                org.assertj.core.groups.Tuple.tuple("RUNNING", "-", ""));
        assertThat(runtime.state("pod.main").pid()).as("adopted").isEqualTo(podMainPid);

        // the adopted container's health check runs again: failing, it marks it unhealthy and gets it restarted
        second.await("checked", "RUNNING");
        Files.delete(dir.resolve("agent/allocs/checked/tasks/main/local/healthy"));
        assertThat(second.await("checked", "UNHEALTHY").detail()).startsWith("check healthy");
        second.await("checked", "EXITED");
        second.await("checked", "RUNNING");

        // Its output goes on into the same file, and what it wrote while no agent read waited in the pipe.
        await().atMost(Duration.ofSeconds(20)).until(() -> lineCount(log) >= linesAtKill + 40);
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).isEqualTo(IntStream.range(0, lines.size()).mapToObj(i -> "line " + i).toList());

        // Its end is seen by the new agent, which is not its init's parent, and the restart policy applies.
        runtime.kill("long.main", 9, true);
        Event killed = second.await("long", "EXITED");
        assertThat(killed.code()).isEqualTo("137");
        assertThat(killed.detail()).isEqualTo("killed by signal 9");
        second.await("long", "STARTING");
        second.await("long", "RUNNING");
        assertThat(runtime.state("long.main").pid()).isNotEqualTo(longPid);

        second.send("stop long");
        second.send("stop gone");
        second.send("stop checked");
        second.send("stop pod");
        second.await("pod", "STOPPED");
        assertThat(Path.of("/sys/fs/cgroup/memory/berth/pod")).as("the allocation's cgroup").doesNotExist();
        second.await("long", "STOPPED");
        second.await("gone", "STOPPED");
        second.await("checked", "STOPPED");
        second.kill();
        assertThat(runtime.list()).isEmpty();
        assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo"))).noneMatch(l -> l.contains(dir.toString()));
    }

    private Child start() throws IOException {
        Child c = new Child(ChildAgent.launch(dir, NETWORK, BRIDGE, SUBNET, List.of()));
        children.add(c);
        c.awaitReady();
        return c;
    }

    private static int lineCount(Path log) throws IOException {
        return Files.exists(log) ? Files.readAllLines(log).size() : 0;
    }

    record Event(String id, String state, String code, String detail) {}

    /** One child JVM: its stdin for commands, its events as they come. */
    static final class Child {
        private final Process process;
        private final PrintWriter in;
        private final List<Event> events = new ArrayList<>();
        private final Map<String, Integer> seen = new HashMap<>();
        private boolean ready;

        Child(Process process) {
            this.process = process;
            this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
            Thread reader = new Thread(this::read, "child-agent-" + process.pid());
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (!line.startsWith(ChildAgent.PREFIX)) {
                        System.out.println("[child " + process.pid() + "] " + line);
                        continue;
                    }
                    String[] f = line.substring(ChildAgent.PREFIX.length()).split(" ", 5);
                    synchronized (this) {
                        if (f[0].equals("ready")) {
                            ready = true;
                        } else if (f[0].equals("event")) {
                            events.add(new Event(f[1], f[2], f[3], f.length > 4 ? f[4] : ""));
                        }
                        notifyAll();
                    }
                }
            } catch (IOException e) {
                // the child was killed
            }
        }

        void send(String command) {
            in.println(command);
        }

        synchronized void awaitReady() {
            waitFor(() -> ready, "ready");
        }

        /** The first event of allocation id in that state after the last one awaited. */
        synchronized Event await(String id, String state) {
            int from = seen.getOrDefault(id, 0);
            int[] at = {-1};
            waitFor(() -> {
                List<Event> of = of(id);
                for (int i = from; i < of.size(); i++) {
                    if (of.get(i).state().equals(state)) {
                        at[0] = i;
                        return true;
                    }
                }
                return false;
            }, id + " " + state);
            seen.put(id, at[0] + 1);
            return of(id).get(at[0]);
        }

        /** Every event of allocation id so far. */
        synchronized List<Event> of(String id) {
            return events.stream().filter(e -> e.id().equals(id)).toList();
        }

        private void waitFor(java.util.function.BooleanSupplier condition, String what) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!condition.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                assertThat(left).as("waiting for %s from the child agent (events: %s)", what, events).isPositive();
                assertThat(process.isAlive()).as("child agent alive while waiting for %s", what).isTrue();
                try {
                    wait(Math.max(1, Math.min(left / 1_000_000, 200)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
        }

        /** SIGKILL, as the kernel's OOM killer or an operator's kill -9 would. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Child c : children) {
            c.kill();
        }
        ChildAgent.cleanUp(dir, runtime, NETWORK, BRIDGE, SUBNET);
    }
}
