package io.berth.runtime;

import java.util.concurrent.CompletableFuture;

/**
 * A process started by {@code exec}: its pid in the host's pid namespace and its exit, which completes
 * (never exceptionally) once the process is reaped.
 */
public record ExecProcess(int pid, CompletableFuture<ExitStatus> exit) {}
