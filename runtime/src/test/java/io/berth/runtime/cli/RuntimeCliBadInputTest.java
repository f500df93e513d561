package io.berth.runtime.cli;

import static io.berth.runtime.cli.CliFixture.assertFailure;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input and wrong states: each a non-zero exit, one line on stderr naming the problem, the same message
 * in the --log file, and nothing left in the state root.
 */
class RuntimeCliBadInputTest {
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
    }

    @Test
    void malformedConfigJsonIsReportedWithItsLocation() throws Exception {
        Path bundle = cli.bundle("b", "true");
        Files.writeString(bundle.resolve("config.json"), "{\"ociVersion\": \"1.2.1\", \"process\": {");
        assertFailure(cli.run("create", "-b", bundle.toString(), "c"), "config.json", "$", "line 1");
        assertThat(cli.leftInRoot()).isEmpty();
    }

    @Test
    void invalidConfigJsonNamesTheJsonPath() throws Exception {
        Path bundle = cli.bundle("b", c -> ((ObjectNode) c.get("process")).putArray("args"));
        assertFailure(cli.run("create", "-b", bundle.toString(), "c"), "config.json", "$.process.args", "must not be empty");
        assertThat(cli.leftInRoot()).isEmpty();
    }

    @Test
    void aValueOfTheWrongTypeNamesTheJsonPath() throws Exception {
        Path bundle = cli.bundle("b", c -> ((ObjectNode) c.get("process")).put("user", "root"), "true");
        assertFailure(cli.run("run", "-b", bundle.toString(), "c"), "config.json", "$.process.user");
        assertThat(cli.leftInRoot()).isEmpty();
    }

    @Test
    void aDuplicateNamespaceIsRefused() throws Exception {
        Path bundle = cli.bundle("b", c -> c.withArray("/linux/namespaces").addObject().put("type", "pid"), "true");
        assertFailure(cli.run("create", "-b", bundle.toString(), "c"), "$.linux.namespaces[6].type", "duplicate namespace 'pid'");
        assertThat(cli.leftInRoot()).isEmpty();
    }

    @Test
    void aMissingRootfsIsRefused() throws Exception {
        Path bundle = cli.bundle("b", c -> ((ObjectNode) c.get("root")).put("path", "no-such-rootfs"), "true");
        assertFailure(cli.run("create", "-b", bundle.toString(), "c"), "no-such-rootfs");
        assertThat(cli.leftInRoot()).isEmpty();
    }

    @Test
    void aMissingBundleIsRefused() {
        assertFailure(cli.run("create", "-b", dir.resolve("nowhere").toString(), "c"), "config.json");
        assertThat(cli.leftInRoot()).isEmpty();
    }

    @Test
    void anUnknownIdIsReportedByEveryCommand() {
        for (String[] command : new String[][] {{"start", "ghost"}, {"state", "ghost"}, {"kill", "ghost"},
            {"delete", "ghost"}, {"ps", "ghost"}, {"exec", "ghost", "true"}, {"events", "--stats", "ghost"}}) {
            assertFailure(cli.run(command), "ghost", "does not exist");
        }
        assertThat(cli.leftInRoot()).isEmpty();
    }

    @Test
    void aForcedDeleteOfAnUnknownIdSucceedsAsWithRunc() {
        assertThat(cli.run("delete", "--force", "ghost").exitCode()).isZero();
    }

    @Test
    void aDuplicateIdIsRefusedAndTheFirstContainerIsUntouched() throws Exception {
        Path bundle = cli.bundle("b", "sleep", "60");
        cli.ok("create", "-b", bundle.toString(), "dup");
        int pid = cli.run("state", "dup").json().get("pid").asInt();
        assertFailure(cli.run("create", "-b", bundle.toString(), "dup"), "'dup' already exists");
        assertThat(cli.run("state", "dup").json().get("pid").asInt()).isEqualTo(pid);
        assertThat(cli.leftInRoot()).containsExactly("dup");
    }

    @Test
    void operationsInTheWrongStateAreRefusedAndChangeNothing() throws Exception {
        Path bundle = cli.bundle("b", "sleep", "60");
        cli.ok("run", "-d", "-b", bundle.toString(), "w");
        assertFailure(cli.run("start", "w"), "cannot start", "running");
        assertFailure(cli.run("delete", "w"), "cannot delete", "running");
        assertThat(cli.run("state", "w").json().get("status").asText()).isEqualTo("running");

        cli.ok("kill", "w", "SIGKILL");
        while (!cli.run("state", "w").json().get("status").asText().equals("stopped")) {
            Thread.sleep(20);
        }
        assertFailure(cli.run("start", "w"), "cannot start", "stopped");
        assertFailure(cli.run("exec", "w", "true"), "stopped");
        cli.ok("delete", "w");
        assertThat(cli.leftInRoot()).isEmpty();
    }

    @Test
    void anInvalidIdIsRefused() throws Exception {
        Path bundle = cli.bundle("b", "true");
        assertFailure(cli.run("create", "-b", bundle.toString(), "../escape"), "../escape");
        assertThat(cli.leftInRoot()).isEmpty();
        assertThat(dir.resolve("escape")).doesNotExist();
    }

    @Test
    void anUnknownSignalIsRefusedBeforeAnythingIsSent() throws Exception {
        Path bundle = cli.bundle("b", "sleep", "60");
        cli.ok("run", "-d", "-b", bundle.toString(), "s");
        assertFailure(cli.run("kill", "s", "SIGBOGUS"), "unknown signal 'SIGBOGUS'");
        assertFailure(cli.run("kill", "s", "65"), "unknown signal '65'");
        assertThat(cli.run("state", "s").json().get("status").asText()).isEqualTo("running");
    }

    @Test
    void anUnknownOptionIsAUsageErrorOnOneLine() {
        CliFixture.Result r = cli.run("create", "--no-such-option", "c");
        assertFailure(r, "--no-such-option", "berth-runtime create --help");
        assertThat(r.exitCode()).isEqualTo(RuntimeCli.USAGE);
    }

    @Test
    void execNeedsACommandOrAProcessFile() throws Exception {
        Path bundle = cli.bundle("b", "sleep", "60");
        cli.ok("run", "-d", "-b", bundle.toString(), "x");
        assertFailure(cli.run("exec", "x"), "needs a command");
        Path process = dir.resolve("process.json");
        Files.writeString(process, "{\"args\": [], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}");
        assertFailure(cli.run("exec", "-p", process.toString(), "x"), "process.json", "$.args");
        Files.writeString(process, "{\"args\": \"sh\"}");
        assertFailure(cli.run("exec", "-p", process.toString(), "x"), "process.json", "$.args");
    }

    @Test
    void errorsAreAlsoWrittenToTheLogFileAsJsonOrText() throws Exception {
        Path json = dir.resolve("log.json");
        assertFailure(cli.run("--log", json.toString(), "--log-format", "json", "start", "ghost"), "ghost");
        var entry = CliFixture.read(json).lines().reduce((a, b) -> b).map(l -> new CliFixture.Result(0, l, "").json()).orElseThrow();
        assertThat(entry.get("level").asText()).isEqualTo("error");
        assertThat(entry.get("msg").asText()).contains("container 'ghost' does not exist");
        assertThat(entry.get("time").asText()).isNotEmpty();

        Path text = dir.resolve("log.txt");
        assertFailure(cli.run("--log", text.toString(), "kill", "ghost", "TERM"), "ghost");
        assertThat(CliFixture.read(text)).containsPattern("time=\"[^\"]+\" level=error msg=\"container 'ghost' does not exist");
    }

    @Test
    void systemdCgroupsAreRefusedWithAClearMessage() {
        assertFailure(cli.run("--systemd-cgroup", "list"), "--systemd-cgroup is not supported");
    }
}
