package io.berth.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.runtime.linux.Linux;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Reaper mode ({@link ContainerRuntime#REAPER_ANNOTATION}): the init stays as the container's pid 1, passes
 * signals on, records how the process ended in the exit file, and holds the read end of FIFO stdio, so a
 * container outlives the runtime process that created it without losing its exit status or its output.
 */
class ReaperModeTest extends RuntimeTestSupport {

    static final Consumer<ObjectNode> REAPER = spec -> {
        ObjectNode a = spec.has("annotations") ? (ObjectNode) spec.get("annotations") : spec.putObject("annotations");
        a.put(ContainerRuntime.REAPER_ANNOTATION, "true");
    };

    @Test
    void theProcessRunsUnderTheInitAndItsExitCodeComesThrough() {
        Run r = sh("echo $$ $PPID; exit 7", REAPER);
        assertThat(r.out()).isEqualTo("2 1\n");
        assertThat(r.exit()).isEqualTo(new ExitStatus(7, 0, false));
    }

    @Test
    void aSignalToTheInitReachesTheProcess() throws Exception {
        // As pid 1, sleep would ignore SIGTERM (no handler); as the init's child it dies of it.
        String id = started(bundle(List.of("sleep", "30"), REAPER));
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> runtime.processes(id).size() == 2);
        runtime.kill(id, 15, false);
        assertThat(runtime.exitFuture(id).get(10, TimeUnit.SECONDS)).isEqualTo(new ExitStatus(143, 15, false));
    }

    @Test
    void killAllSparesTheInitWhichRecordsTheDeath() throws Exception {
        String id = started(bundle(List.of("sh", "-c", "sleep 30 & sleep 30 & wait"), REAPER));
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> runtime.processes(id).size() == 4);
        runtime.kill(id, 9, true);
        assertThat(runtime.exitFuture(id).get(10, TimeUnit.SECONDS)).isEqualTo(new ExitStatus(137, 9, false));
        assertThat(read(stateRoot.resolve(id).resolve("exit"))).as("written by the init").isEqualTo("137 9\n");
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> runtime.processes(id).isEmpty());
    }

    @Test
    void killAllOfACreatedContainerKillsItsInit() throws Exception {
        String id = newId();
        runtime.create(CreateOptions.of(id, bundle(List.of("sleep", "30"), REAPER), Stdio.discard()));
        runtime.kill(id, 9, true);
        assertThat(runtime.exitFuture(id).get(10, TimeUnit.SECONDS).signal()).isEqualTo(9);
        assertThat(runtime.status(id)).isEqualTo(ContainerStatus.STOPPED);
    }

    @Test
    void anOomKillOfTheProcessIsReportedAsSuch() throws Exception {
        Run r = sh("x=0123456789; while true; do x=$x$x; done", REAPER.andThen(spec ->
                linux(spec).putObject("resources").putObject("memory").put("limit", 16L << 20)));
        assertThat(r.exit()).isEqualTo(new ExitStatus(137, 9, true));
    }

    @Test
    void aFifoKeepsItsReadEndWhileNobodyReadsSoNothingIsLostAndTheWriterLives() throws Exception {
        Path fifo = tmp.resolve("out.pipe");
        Linux.get().mkfifo(fifo, 0600);
        String id = newId();
        // No reader yet: without the init's read end the runtime's open of the FIFO for writing would block.
        runtime.create(CreateOptions.of(id, bundle(List.of("sh", "-c",
                "i=0; while true; do echo $i; i=$((i+1)); sleep 0.02; done"), REAPER), Stdio.files(null, fifo, null)));
        runtime.start(id);
        Thread.sleep(500);
        List<Integer> seen = new ArrayList<>(readLines(fifo, 10));
        // Our read end closed: a writer without readers would die of SIGPIPE; the init's read end keeps it alive.
        Thread.sleep(500);
        assertThat(runtime.status(id)).isEqualTo(ContainerStatus.RUNNING);
        seen.addAll(readLines(fifo, 30));
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            expected.add(i);
        }
        assertThat(seen).as("every line, across both readers, in order").isEqualTo(expected);
        runtime.kill(id, 9, true);
        assertThat(runtime.exitFuture(id).get(10, TimeUnit.SECONDS).signal()).isEqualTo(9);
    }

    @Test
    void anotherProcessReattachesAndLearnsHowTheContainerEndedEvenWhenItEndedUnwatched() throws Exception {
        // Created by a runtime in a child JVM that then exits: the inits are not our children.
        Path ended = bundle(List.of("sh", "-c", "exit 5"), REAPER);
        Path running = bundle(List.of("sleep", "30"), REAPER);
        String endedId = newId();
        String runningId = newId();
        createInChildJvm(ended, endedId);
        createInChildJvm(running, runningId);
        int init = runtime.state(endedId).pid();
        assertThat(Files.readString(Path.of("/proc/" + init + "/stat")).split("\\) ")[1].split(" ")[1])
                .as("parent of the init").isNotEqualTo(Long.toString(ProcessHandle.current().pid()));
        runtime.start(endedId);
        runtime.start(runningId);

        ExitStatus unwatched;
        // It ends while no one watches; how is learned afterwards from the exit file.
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> runtime.status(endedId) == ContainerStatus.STOPPED);
        unwatched = runtime.exitFuture(endedId).get(1, TimeUnit.SECONDS);
        assertThat(unwatched).isEqualTo(new ExitStatus(5, 0, false));

        var watched = runtime.exitFuture(runningId);
        Thread.sleep(200);
        assertThat(watched).isNotDone();
        runtime.kill(runningId, 15, true);
        assertThat(watched.get(10, TimeUnit.SECONDS)).isEqualTo(new ExitStatus(143, 15, false));
    }

    /** Reads n lines byte by byte (a buffered reader would take bytes past the last line with it) and closes. */
    private static List<Integer> readLines(Path fifo, int n) throws IOException {
        List<Integer> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        try (InputStream in = new FileInputStream(fifo.toFile())) {
            while (lines.size() < n) {
                int b = in.read();
                assertThat(b).as("end of the FIFO").isNotNegative();
                if (b == '\n') {
                    lines.add(Integer.parseInt(line.toString()));
                    line.setLength(0);
                } else {
                    line.append((char) b);
                }
            }
        }
        return lines;
    }

    private static void createInChildJvm(Path bundle, String id) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process p = new ProcessBuilder(java, "-cp", classPath, "io.berth.runtime.cli.RuntimeCli", "--root",
                stateRoot.toString(), "create", "--bundle", bundle.toString(), id)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the child JVM's create finished").isTrue();
        assertThat(p.exitValue()).as("exit code of create in the child JVM").isZero();
    }
}
