package io.berth.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * berth-runtime as users and tools meet it: the real ops/bin launcher scripts as a child process. The
 * scripts are copied beside a distribution made of this test's class path (so the launcher finds a built
 * distribution and does not start a Maven build inside the Maven build that runs this test).
 */
class LauncherTest {
    @TempDir
    static Path dir;

    static Path launcher;

    @BeforeAll
    static void makeDistribution() throws IOException {
        Path repo = Path.of("..").toAbsolutePath().normalize();
        Path bin = Files.createDirectories(dir.resolve("top/ops/bin"));
        for (String script : List.of("launch", "berth-runtime")) {
            Files.copy(repo.resolve("ops/bin").resolve(script), bin.resolve(script));
            Files.setPosixFilePermissions(bin.resolve(script), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path lib = Files.createDirectories(dir.resolve("top/ops/target/dist/lib"));
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        int n = 0;
        for (String entry : classPath.split(":")) {
            Path p = Path.of(entry);
            if (Files.isDirectory(p)) {
                jar(p, lib.resolve("dir-" + n++ + ".jar"));
            } else if (p.toString().endsWith(".jar") && Files.exists(p)) {
                Files.copy(p, lib.resolve(n++ + "-" + p.getFileName()));
            }
        }
        Files.createFile(dir.resolve("top/ops/target/dist/.built"));
        launcher = bin.resolve("berth-runtime");
    }

    record Outcome(int exitCode, String out, String err) {}

    static Outcome launch(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(launcher.toString(), "--root", dir.resolve("state").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("berth-runtime %s finished", List.of(args)).isTrue();
        return new Outcome(p.exitValue(), Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
    }

    @Test
    void runThroughTheLauncherPassesStdoutAndTheExitCode() throws Exception {
        Path bundle = new CliFixture(dir).bundle("b", "sh", "-c", "echo through the launcher; exit 3");
        Outcome o = launch("run", "--bundle", bundle.toString(), "launched");
        assertThat(o.exitCode()).as("stderr: %s", o.err()).isEqualTo(3);
        assertThat(o.out()).isEqualTo("through the launcher\n");
        assertThat(o.err()).isEmpty();
        assertThat(dir.resolve("state/launched")).doesNotExist();
    }

    @Test
    void createStartStateAndDeleteAsSeparateProcessesLikeTheValidationSuite() throws Exception {
        Path bundle = new CliFixture(dir).bundle("b2", "sleep", "60");
        assertThat(launch("create", "--bundle", bundle.toString(), "sep").exitCode()).isZero();
        assertThat(launch("start", "sep").exitCode()).isZero();
        Outcome state = launch("state", "sep");
        assertThat(state.out()).contains("\"status\" : \"running\"").contains("\"id\" : \"sep\"");
        Outcome kill = launch("kill", "sep", "KILL");
        assertThat(kill.exitCode()).as(kill.err()).isZero();
        Outcome delete;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        do {
            delete = launch("delete", "sep");
        } while (delete.exitCode() != 0 && System.nanoTime() < deadline);
        assertThat(delete.exitCode()).as(delete.err()).isZero();
        assertThat(launch("list", "-q").out()).isEmpty();
    }

    @Test
    void aRunStartsNoHelpersAheadForANextContainer() throws Exception {
        // Without a pid namespace the container sees its parent, the berth-runtime JVM, and lists that JVM's threads
        // while it runs: no namespace maker (berth-ns-*, berth-netns before) nor spawn thread starter (comm names
        // are cut at 15 characters) may be among them.
        Path bundle = new CliFixture(dir).bundle("b3", config -> {
            ArrayNode namespaces = (ArrayNode) config.get("linux").get("namespaces");
            for (int i = namespaces.size() - 1; i >= 0; i--) {
                if (namespaces.get(i).get("type").asText().equals("pid")) {
                    namespaces.remove(i);
                }
            }
        }, "sh", "-c", "cat /proc/$PPID/task/*/comm");
        Outcome o = launch("run", "--bundle", bundle.toString(), "threads");
        assertThat(o.exitCode()).as("stderr: %s", o.err()).isZero();
        assertThat(o.out().lines()).contains("berth-reaper")
                .noneMatch(t -> t.startsWith("berth-ns-") || t.equals("berth-netns") || t.equals("berth-spawn-sta"));
    }

    @Test
    void aFailureIsOneLineOnStderr() throws Exception {
        Outcome o = launch("state", "nobody");
        assertThat(o.exitCode()).isEqualTo(1);
        assertThat(o.out()).isEmpty();
        assertThat(o.err().lines()).hasSize(1);
        assertThat(o.err()).startsWith("berth-runtime: container 'nobody' does not exist");
    }

    private static void jar(Path classes, Path jar) throws IOException {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString()));
                Files.copy(f, (OutputStream) out);
                out.closeEntry();
            }
        }
    }
}
