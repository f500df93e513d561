package io.berth.runtime;

import io.berth.protocol.oci.runtime.ContainerState;
import io.berth.protocol.oci.runtime.RuntimeSpec;
import io.berth.protocol.oci.runtime.RuntimeSpecs;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the hooks that belong in the runtime's namespaces (prestart, createRuntime, poststart, poststop)
 * from this process, each with the state on stdin and its timeout. createContainer and startContainer run
 * inside the container, from the init's plan.
 */
final class JavaHooks {
    private static final Logger LOG = LoggerFactory.getLogger(JavaHooks.class);

    private static final com.fasterxml.jackson.databind.ObjectWriter COMPACT =
            RuntimeSpecs.JSON.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);

    private JavaHooks() {}

    /** The state as hooks get it on stdin: one line of JSON. */
    static String stateJson(ContainerState state) {
        try {
            return COMPACT.writeValueAsString(state);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the state of " + state.id(), e);
        }
    }

    /** Runs hooks in order; the first that fails (non-zero exit, timeout, cannot start) throws. */
    static void run(String phase, List<RuntimeSpec.Hook> hooks, ContainerState state) {
        if (hooks == null) {
            return;
        }
        byte[] json = stateJson(state).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < hooks.size(); i++) {
            runOne(phase + "[" + i + "]", hooks.get(i), json);
        }
    }

    /** Runs hooks in order; a failure is logged as a warning and the rest still run (poststart, poststop). */
    static void runWarning(String phase, List<RuntimeSpec.Hook> hooks, ContainerState state) {
        if (hooks == null) {
            return;
        }
        byte[] json = stateJson(state).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < hooks.size(); i++) {
            try {
                runOne(phase + "[" + i + "]", hooks.get(i), json);
            } catch (ContainerRuntimeException e) {
                LOG.warn("container {}: {}", state.id(), e.getMessage());
            }
        }
    }

    private static void runOne(String where, RuntimeSpec.Hook hook, byte[] state) {
        List<String> command = new ArrayList<>();
        command.add(hook.path());
        if (hook.args() != null && hook.args().size() > 1) {
            command.addAll(hook.args().subList(1, hook.args().size()));
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().clear();
        if (hook.env() != null) {
            for (String e : hook.env()) {
                int eq = e.indexOf('=');
                if (eq > 0) {
                    pb.environment().put(e.substring(0, eq), e.substring(eq + 1));
                }
            }
        }
        String what = "hooks." + where + " (" + hook.path() + ")";
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new ContainerRuntimeException(what + ": cannot start: " + e.getMessage(), e);
        }
        try (OutputStream in = p.getOutputStream()) {
            in.write(state);
        } catch (IOException e) {
            // the hook closed its stdin without reading the state: its business
        }
        try {
            boolean done = hook.timeout() == null || hook.timeout() <= 0
                    ? p.waitFor() >= Integer.MIN_VALUE
                    : p.waitFor(hook.timeout(), TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly().waitFor();
                throw new ContainerRuntimeException(what + ": timed out after " + hook.timeout() + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ContainerRuntimeException(what + ": interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new ContainerRuntimeException(what + ": exited with status " + p.exitValue());
        }
    }
}
