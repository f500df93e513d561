package io.berth.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.protocol.oci.runtime.RuntimeSpecs;
import io.berth.runtime.linux.Linux;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every berth-runtime command on real busybox containers, as root, driven in-process through picocli. */
class RuntimeCliLifecycleTest {
    @TempDir
    Path dir;

    CliFixture cli;

    @BeforeEach
    void setUp() {
        cli = new CliFixture(dir);
    }

    @AfterEach
    void deleteWhatIsLeft() {
        for (String id : cli.leftInRoot()) {
            cli.run("delete", "--force", id);
        }
        assertThat(cli.leftInRoot()).as("containers left in the state root").isEmpty();
    }

    @Test
    void createStartStateKillDeleteFollowTheLifecycle() throws Exception {
        Path bundle = cli.bundle("b", "sleep", "60");
        Path pidFile = dir.resolve("init.pid");
        cli.ok("create", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), "c1");

        JsonNode created = cli.run("state", "c1").json();
        assertThat(created.get("id").asText()).isEqualTo("c1");
        assertThat(created.get("status").asText()).isEqualTo("created");
        assertThat(created.get("bundle").asText()).isEqualTo(bundle.toString());
        int pid = created.get("pid").asInt();
        assertThat(pid).isPositive();
        assertThat(Files.readString(pidFile).strip()).isEqualTo(String.valueOf(pid));

        cli.ok("start", "c1");
        assertThat(cli.run("state", "c1").json().get("status").asText()).isEqualTo("running");

        cli.ok("kill", "c1", "KILL");
        awaitStatus("c1", "stopped");
        cli.ok("delete", "c1");
        assertThat(cli.leftInRoot()).isEmpty();
        assertThat(running(pid)).as("the init %d is still running after delete", pid).isFalse();
    }

    @Test
    void runInTheForegroundExitsWithTheContainersExitCodeAndLeavesNothing() throws Exception {
        Path bundle = cli.bundle("b", "sh", "-c", "echo hello from busybox; exit 7");
        CliFixture.Result r = cli.run("run", "-b", bundle.toString(), "fg");
        assertThat(r.exitCode()).as("stderr: %s", r.err()).isEqualTo(7);
        assertThat(cli.containerStdout()).contains("hello from busybox");
        assertThat(cli.leftInRoot()).isEmpty();
    }

    @Test
    void runForwardsASignalNamedWithoutSigPrefixAndReportsTheTrapExitCode() throws Exception {
        Path bundle = cli.bundle("b", "sh", "-c", "trap 'exit 42' USR1; echo ready; while true; do sleep 0.05; done");
        CompletableFuture<CliFixture.Result> run = CompletableFuture.supplyAsync(() -> cli.run("run", "-b", bundle.toString(), "trap"));
        awaitStatus("trap", "running");
        awaitStdout("ready");
        cli.ok("kill", "trap", "usr1");
        CliFixture.Result r = run.get(30, TimeUnit.SECONDS);
        assertThat(r.exitCode()).as("stderr: %s", r.err()).isEqualTo(42);
        assertThat(cli.leftInRoot()).isEmpty();
    }

    @Test
    void detachedRunKeepsRunningUntilKilledBySignalNumber() throws Exception {
        Path bundle = cli.bundle("b", "sleep", "60");
        cli.ok("run", "-d", "--bundle", bundle.toString(), "bg");
        assertThat(cli.run("state", "bg").json().get("status").asText()).isEqualTo("running");
        cli.ok("kill", "bg", "9");
        awaitStatus("bg", "stopped");
        assertThat(cli.run("state", "bg").json().has("pid")).as("a stopped container has no pid").isFalse();
        cli.ok("delete", "bg");
    }

    @Test
    void listShowsContainersAsTableJsonAndIds() throws Exception {
        Path bundle = cli.bundle("b", "sleep", "60");
        cli.ok("create", "-b", bundle.toString(), "l1");
        cli.ok("run", "-d", "-b", bundle.toString(), "l2");

        String table = cli.ok("list");
        assertThat(table.lines().findFirst().orElseThrow()).startsWith("ID").contains("PID", "STATUS", "BUNDLE");
        assertThat(table).containsPattern("l1\\s+\\d+\\s+created\\s+" + bundle)
                .containsPattern("l2\\s+\\d+\\s+running\\s+" + bundle);

        JsonNode json = cli.run("list", "--format", "json").json();
        assertThat(json.isArray()).isTrue();
        assertThat(json.findValuesAsText("id")).containsExactly("l1", "l2");
        assertThat(json.findValuesAsText("status")).containsExactly("created", "running");

        assertThat(cli.ok("list", "-q").lines()).containsExactly("l1", "l2");
    }

    @Test
    void psListsTheContainersPidsAsJsonAndTable() throws Exception {
        Path bundle = cli.bundle("b", "sh", "-c", "sleep 60 & sleep 61");
        cli.ok("run", "-d", "-b", bundle.toString(), "p");
        int init = cli.run("state", "p").json().get("pid").asInt();
        JsonNode pids = awaitPids("p", 2);
        assertThat(pids).extracting(JsonNode::asInt).contains(init);

        String table = cli.ok("ps", "p");
        assertThat(table.lines().findFirst().orElseThrow()).contains("PID");
        assertThat(table.lines().skip(1)).hasSize(2).anyMatch(l -> l.contains("sleep 61"));
        assertThat(table).doesNotContain("surefire");
    }

    @Test
    void execRunsInTheContainerWithEnvAndCwdAndReturnsTheExitCode() throws Exception {
        Path bundle = cli.bundle("b", "sleep", "60");
        cli.ok("run", "-d", "-b", bundle.toString(), "e");
        CliFixture.Result r = cli.run("exec", "--env", "GREETING=hi", "--cwd", "/tmp", "e",
                "sh", "-c", "echo $GREETING from $(pwd) in $(cat /proc/1/comm); exit 3");
        assertThat(r.exitCode()).as("stderr: %s", r.err()).isEqualTo(3);
        assertThat(cli.containerStdout()).contains("hi from /tmp in sleep");
    }

    @Test
    void execWithAProcessJsonRunsThatProcess() throws Exception {
        Path bundle = cli.bundle("b", "sleep", "60");
        cli.ok("run", "-d", "-b", bundle.toString(), "e");
        Path process = dir.resolve("process.json");
        Files.writeString(process, """
                {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["sh", "-c", "echo from process.json; exit 5"],
                 "env": ["PATH=/bin"], "cwd": "/"}
                """);
        CliFixture.Result r = cli.run("exec", "-p", process.toString(), "e");
        assertThat(r.exitCode()).as("stderr: %s", r.err()).isEqualTo(5);
        assertThat(cli.containerStdout()).contains("from process.json");
    }

    @Test
    void createWithAConsoleSocketSendsThePtyMasterAndTheProcessWritesToIt() throws Exception {
        Linux linux = Linux.get();
        Path socket = dir.resolve("console.sock");
        int listening = linux.listenUnix(socket);
        try {
            Path bundle = cli.bundle("b", c -> ((ObjectNode) c.get("process")).put("terminal", true),
                    "sh", "-c", "tty; echo on the pty; sleep 5");
            CompletableFuture<Integer> master = CompletableFuture.supplyAsync(() -> {
                int connection = linux.accept(listening);
                try {
                    return linux.receiveFd(connection);
                } finally {
                    linux.closeQuietly(connection);
                }
            });
            cli.ok("create", "--console-socket", socket.toString(), "-b", bundle.toString(), "tty");
            int pty = master.get(20, TimeUnit.SECONDS);
            try {
                cli.ok("start", "tty");
                String output = CompletableFuture.supplyAsync(() -> {
                    StringBuilder seen = new StringBuilder();
                    while (!seen.toString().contains("on the pty")) {
                        seen.append(new String(linux.read(pty, 4096), StandardCharsets.UTF_8));
                    }
                    return seen.toString();
                }).get(20, TimeUnit.SECONDS);
                assertThat(output).contains("/dev/pts/0").contains("on the pty");
            } finally {
                linux.closeQuietly(pty);
            }
        } finally {
            linux.closeQuietly(listening);
        }
    }

    @Test
    void eventsWithStatsPrintsOneStatsEvent() throws Exception {
        Path bundle = cli.bundle("b", c -> c.withObject("/linux/resources").putObject("memory").put("limit", 64L << 20),
                "sleep", "60");
        cli.ok("run", "-d", "-b", bundle.toString(), "ev");
        String out = cli.ok("events", "--stats", "ev");
        assertThat(out.lines()).hasSize(1);
        JsonNode event = new CliFixture.Result(0, out, "").json();
        assertThat(event.get("type").asText()).isEqualTo("stats");
        assertThat(event.get("id").asText()).isEqualTo("ev");
        assertThat(event.at("/data/memory/usage/limit").asLong()).isEqualTo(64L << 20);
        assertThat(event.at("/data/memory/usage/usage").asLong()).isPositive();
        assertThat(event.at("/data/pids/current").asLong()).isEqualTo(1);
    }

    @Test
    void featuresDescribesWhatBerthImplements() {
        JsonNode f = new CliFixture.Result(0, cli.ok("features"), "").json();
        assertThat(f.get("ociVersionMin").asText()).isEqualTo("1.0.0");
        assertThat(f.get("ociVersionMax").asText()).startsWith("1.");
        assertThat(f.get("hooks")).extracting(JsonNode::asText)
                .containsExactly("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop");
        assertThat(f.at("/linux/namespaces")).extracting(JsonNode::asText)
                .contains("pid", "mount", "network", "cgroup", "user");
        assertThat(f.at("/linux/capabilities")).extracting(JsonNode::asText).contains("CAP_SYS_ADMIN");
        assertThat(f.at("/linux/cgroup/v1").asBoolean()).isTrue();
        assertThat(f.at("/linux/seccomp/enabled").asBoolean()).isTrue();
    }

    @Test
    void specWritesRuncsDefaultConfigOnceAndRefusesToOverwrite() throws Exception {
        Path bundle = Files.createDirectories(dir.resolve("new-bundle"));
        cli.ok("spec", "--bundle", bundle.toString());
        String written = Files.readString(bundle.resolve("config.json"));
        assertThat(RuntimeSpecs.parse(bundle.resolve("config.json")).process().args())
                .containsExactly("sh");

        CliFixture.assertFailure(cli.run("spec", "--bundle", bundle.toString()), "config.json already exists");
        assertThat(Files.readString(bundle.resolve("config.json"))).isEqualTo(written);
        CliFixture.assertFailure(cli.run("spec", "--rootless", "-b", dir.toString()), "--rootless");
    }

    /** Whether a process exists and is not a zombie (in-process, this JVM is the init's parent and may not reap it). */
    private static boolean running(int pid) throws java.io.IOException {
        Path stat = Path.of("/proc", String.valueOf(pid), "stat");
        if (!Files.exists(stat)) {
            return false;
        }
        String s = Files.readString(stat);
        return s.charAt(s.lastIndexOf(')') + 2) != 'Z';
    }

    private void awaitStatus(String id, String status) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            CliFixture.Result r = cli.run("state", id);
            if (r.exitCode() == 0) {
                last = r.json().get("status").asText();
                if (last.equals(status)) {
                    return;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError(id + " did not become " + status + " (last: " + last + ")");
    }

    private void awaitStdout(String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!cli.containerStdout().contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the container never printed " + text);
            }
            Thread.sleep(20);
        }
    }

    private JsonNode awaitPids(String id, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        JsonNode pids;
        do {
            pids = new CliFixture.Result(0, cli.ok("ps", "--format", "json", id), "").json();
            if (pids.size() >= count) {
                return pids;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(id + " has pids " + pids + ", expected " + count);
    }
}
