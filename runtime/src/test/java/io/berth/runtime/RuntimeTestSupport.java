package io.berth.runtime;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.protocol.oci.runtime.RuntimeSpec;
import io.berth.protocol.oci.runtime.RuntimeSpecs;
import io.berth.runtime.bundle.BusyboxBundle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shared set-up: one runtime per test class on a private state root, busybox bundles whose config.json a
 * test edits as JSON, and run-and-capture. Every container a test leaves is force-deleted after it.
 */
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

    /** A busybox bundle running args, its config.json edited as a JSON tree. */
    Path bundle(List<String> args, Consumer<ObjectNode> edit) {
        ObjectNode json = RuntimeSpecs.JSON.valueToTree(BusyboxBundle.defaultSpec(args));
        edit.accept(json);
        RuntimeSpec spec = RuntimeSpecs.JSON.convertValue(json, RuntimeSpec.class);
        return BusyboxBundle.create(tmp.resolve("bundle-" + SEQ.incrementAndGet()), spec);
    }

    /** Rewrites a bundle's config.json through a JSON-tree edit. */
    static void editConfig(Path bundle, Consumer<ObjectNode> edit) {
        try {
            ObjectNode json = (ObjectNode) RuntimeSpecs.JSON.readTree(bundle.resolve("config.json").toFile());
            edit.accept(json);
            BusyboxBundle.writeConfig(bundle, RuntimeSpecs.JSON.convertValue(json, RuntimeSpec.class));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path bundle(String... args) {
        return bundle(List.of(args), j -> { });
    }

    static ObjectNode process(ObjectNode spec) {
        return (ObjectNode) spec.get("process");
    }

    static ObjectNode linux(ObjectNode spec) {
        return (ObjectNode) spec.get("linux");
    }

    static ArrayNode mounts(ObjectNode spec) {
        return (ArrayNode) spec.get("mounts");
    }

    static ObjectNode mount(ObjectNode spec, String destination, String type, String source, String... options) {
        ObjectNode m = mounts(spec).addObject();
        m.put("destination", destination).put("type", type).put("source", source);
        ArrayNode o = m.putArray("options");
        for (String opt : options) {
            o.add(opt);
        }
        return m;
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
            ExitStatus exit = runtime.exitFuture(id).get(60, TimeUnit.SECONDS);
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

    Run sh(String script, Consumer<ObjectNode> edit) {
        return run(bundle(List.of("sh", "-c", script), edit));
    }

    /** Creates and starts a container that runs until killed; returns its id. */
    String started(Path bundle) {
        String id = newId();
        runtime.create(CreateOptions.of(id, bundle, Stdio.discard()));
        runtime.start(id);
        return id;
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
