package io.berth.runtime;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import io.berth.runtime.bundle.BusyboxBundle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Shared set-up: one runtime per test class on a private state root, busybox bundles, run-and-capture. */
abstract class RuntimeTestSupport {
    private static final AtomicInteger SEQ = new AtomicInteger();
    static ContainerRuntime runtime;
    static Path stateRoot;

    @TempDir
    Path tmp;

    @BeforeAll
    static void openRuntime() throws IOException {
        stateRoot = Files.createTempDirectory("berth-runtime-test");
        runtime = ContainerRuntime.open(stateRoot);
    }

    @AfterEach
    void deleteLeftovers() {
        for (var s : runtime.list()) {
            runtime.delete(s.id(), true);
        }
    }

    @AfterAll
    static void closeRuntime() throws IOException {
        runtime.close();
        Files.deleteIfExists(stateRoot);
    }

    static String newId() {
        return "t" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet();
    }

    /** A busybox bundle running args, with the spec adjusted by edit. */
    Path bundle(List<String> args, UnaryOperator<RuntimeSpec> edit) {
        return BusyboxBundle.create(tmp.resolve("bundle-" + SEQ.incrementAndGet()), edit.apply(BusyboxBundle.defaultSpec(args)));
    }

    Path bundle(String... args) {
        return bundle(List.of(args), s -> s);
    }

    /** The result of running a container to completion. */
    record Run(ExitStatus exit, String out, String err) {}

    /** create + start + wait, capturing stdout/stderr, then delete. */
    Run run(Path bundle) {
        String id = newId();
        Path out = tmp.resolve(id + ".out");
        Path err = tmp.resolve(id + ".err");
        runtime.create(CreateOptions.of(id, bundle, Stdio.files(null, out, err)));
        try {
            runtime.start(id);
            ExitStatus exit = runtime.exitFuture(id).get(30, TimeUnit.SECONDS);
            return new Run(exit, Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            runtime.delete(id, true);
        }
    }

    Run sh(String script) {
        return run(bundle("sh", "-c", script));
    }

    Run sh(String script, UnaryOperator<RuntimeSpec> edit) {
        return run(bundle(List.of("sh", "-c", script), edit));
    }
}
