package io.berth.runtime;

import io.berth.protocol.oci.runtime.ContainerState;
import io.berth.protocol.oci.runtime.RuntimeSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Berth's OCI runtime, in-process: one instance per state root, shared by every thread of the process.
 *
 * <p>Each container has a directory {@code <stateRoot>/<id>} holding {@code state.json} and, while it is
 * {@code created}, the exec FIFO its init blocks on. The status is derived from the kernel every time
 * (see {@link ContainerStatus}), so several processes (the agent, the command line) can share a root.
 *
 * <p>All methods are thread-safe. Operations on one container are serialised; operations on different
 * containers run in parallel. Every failure is a {@link ContainerRuntimeException} (or a subclass:
 * {@link ContainerNotFoundException}, {@link ContainerExistsException}, {@link ContainerStateException})
 * with a one-line message naming what failed and where; an operation that fails leaves the container
 * as it was, and a failed {@code create} leaves nothing behind. No argument may be null unless stated.
 */
public final class ContainerRuntime implements AutoCloseable {

    /** The default state root, as runc's {@code /run/runc}. */
    public static final Path DEFAULT_STATE_ROOT = Path.of("/run/berth-runtime");

    private ContainerRuntime() {}

    /**
     * Opens (creating if needed, mode 0700) the state root and loads the native parts: the libc binding and
     * the sealed copy of the init. Cheap after the first call in a process.
     *
     * @throws ContainerRuntimeException when not root, or the state root cannot be created
     */
    public static ContainerRuntime open(Path stateRoot) {
        throw new UnsupportedOperationException("not yet");
    }

    /**
     * Creates a container from {@code options.bundle()}/config.json: validates the config, creates the
     * cgroup, namespaces and init, runs the createRuntime, createContainer (and prestart) hooks, and returns
     * once the init waits for {@link #start}. Returns the state ({@code created}).
     *
     * @throws io.berth.protocol.oci.runtime.InvalidSpecException when config.json is malformed or invalid
     * @throws ContainerExistsException when the id is taken
     * @throws ContainerRuntimeException for anything else (the message names the step, path and errno)
     */
    public ContainerState create(CreateOptions options) {
        throw new UnsupportedOperationException("not yet");
    }

    /**
     * Starts a {@code created} container: releases its init to exec the user process, then runs the
     * poststart hooks.
     *
     * @throws ContainerStateException when it is not {@code created}
     */
    public void start(String id) {
        throw new UnsupportedOperationException("not yet");
    }

    /** The OCI state document of a container; {@code pid} is absent once it has stopped. */
    public ContainerState state(String id) {
        throw new UnsupportedOperationException("not yet");
    }

    /** The container's status alone (cheaper than {@link #state}). */
    public ContainerStatus status(String id) {
        throw new UnsupportedOperationException("not yet");
    }

    /**
     * Sends {@code signal} to the container's init, or with {@code all} to every process of its cgroup.
     *
     * @throws ContainerStateException when it is neither {@code created} nor {@code running}
     */
    public void kill(String id, int signal, boolean all) {
        throw new UnsupportedOperationException("not yet");
    }

    /**
     * Deletes a stopped (or, with {@code force}, any) container: kills what is left when forced, runs
     * the poststop hooks, removes the cgroup and the state directory.
     *
     * @throws ContainerStateException when it is not stopped and {@code force} is false
     */
    public void delete(String id, boolean force) {
        throw new UnsupportedOperationException("not yet");
    }

    /** The state of every container under the state root, sorted by id. */
    public List<ContainerState> list() {
        throw new UnsupportedOperationException("not yet");
    }

    /**
     * Completes when the container's init exits. For a container created by this instance it carries the
     * exit code, the killing signal and whether the OOM killer struck; for one created by another process
     * (which this process cannot reap) it completes with exit code -1 when the init is gone.
     */
    public CompletableFuture<ExitStatus> exitFuture(String id) {
        throw new UnsupportedOperationException("not yet");
    }

    /**
     * Starts another process in a {@code running} container: joins its namespaces and cgroup, applies
     * the given process spec (user, capabilities, no_new_privs, rlimits, terminal, env, cwd) and execs it.
     * Returns once it has exec'd; failures before that (binary not found, bad cwd) throw.
     */
    public ExecProcess exec(String id, RuntimeSpec.Process process, ExecOptions options) {
        throw new UnsupportedOperationException("not yet");
    }

    /** The host pids of every process in the container's cgroup, sorted. */
    public List<Integer> processes(String id) {
        throw new UnsupportedOperationException("not yet");
    }

    /** The container's parsed config.json as it was created (from its state directory). */
    public RuntimeSpec spec(String id) {
        throw new UnsupportedOperationException("not yet");
    }

    /** The state root this instance manages. */
    public Path stateRoot() {
        throw new UnsupportedOperationException("not yet");
    }

    /** Stops the reaper thread; containers keep running. */
    @Override
    public void close() {
        throw new UnsupportedOperationException("not yet");
    }
}
