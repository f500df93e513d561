package io.berth.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.protocol.oci.runtime.RuntimeSpecs;
import io.berth.runtime.Stdio;
import io.berth.runtime.bundle.BusyboxBundle;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * Runs {@code berth-runtime} in-process against a private state root, with containers' stdout and stderr
 * in files (the test JVM's own stdout belongs to the test runner), and makes busybox bundles from the host's
 * busybox-static.
 */
final class CliFixture {
    final Path dir;
    final Path root;
    final Path containerOut;
    final Path containerErr;

    CliFixture(Path dir) {
        this.dir = dir;
        this.root = dir.resolve("state");
        this.containerOut = dir.resolve("container.out");
        this.containerErr = dir.resolve("container.err");
    }

    /** What one command line did. */
    record Result(int exitCode, String out, String err) {
        /** The stderr lines; a failure must be exactly one. */
        List<String> errLines() {
            return err.lines().toList();
        }

        JsonNode json() {
            try {
                return RuntimeSpecs.JSON.readTree(out);
            } catch (IOException e) {
                throw new AssertionError("stdout is not JSON: " + out, e);
            }
        }
    }

    /** Runs one command line with {@code --root} set to this fixture's state root. */
    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = RuntimeCli.commandLine(Stdio.files(null, containerOut, containerErr));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("--root", root.toString()));
        all.addAll(List.of(args));
        int code = cl.execute(all.toArray(String[]::new));
        return new Result(code, out.toString(), err.toString());
    }

    /** Runs a command that must succeed and returns its stdout. */
    String ok(String... args) {
        Result r = run(args);
        assertThat(r.exitCode()).as("exit code of %s (stderr: %s)", List.of(args), r.err()).isZero();
        assertThat(r.err()).as("stderr of %s", List.of(args)).isEmpty();
        return r.out();
    }

    /** Asserts the runc failure contract: non-zero exit, one line on stderr naming the problem. */
    static void assertFailure(Result r, String... mentions) {
        assertThat(r.exitCode()).as("exit code (stderr: %s)", r.err()).isNotZero();
        assertThat(r.errLines()).as("stderr").hasSize(1);
        assertThat(r.errLines().get(0)).startsWith("berth-runtime: ").contains(mentions);
    }

    /** The container ids left in the state root. */
    List<String> leftInRoot() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String containerStdout() throws IOException {
        return Files.exists(containerOut) ? Files.readString(containerOut) : "";
    }

    /**
     * A busybox bundle under this fixture's directory running {@code args} ({@link BusyboxBundle}: runc's default
     * spec, no terminal, a writable root); {@code edit} may change the config.json tree further, even into an
     * invalid document.
     */
    Path bundle(String name, Consumer<ObjectNode> edit, String... args) throws IOException {
        Path bundle = BusyboxBundle.create(dir.resolve(name), BusyboxBundle.defaultSpec(List.of(args)));
        ObjectNode config = (ObjectNode) RuntimeSpecs.JSON.readTree(bundle.resolve("config.json").toFile());
        edit.accept(config);
        Files.write(bundle.resolve("config.json"), RuntimeSpecs.JSON.writeValueAsBytes(config));
        return bundle;
    }

    Path bundle(String name, String... args) throws IOException {
        return bundle(name, c -> {}, args);
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
