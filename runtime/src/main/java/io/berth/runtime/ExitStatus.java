package io.berth.runtime;

/**
 * How a container's (or exec'd) process ended.
 *
 * @param exitCode  the exit code, or 128 + signal when it was killed by a signal (the shell convention)
 * @param signal    the signal that killed it, 0 when it exited normally
 * @param oomKilled whether the kernel's OOM killer killed a process of the container's cgroup
 */
public record ExitStatus(int exitCode, int signal, boolean oomKilled) {}
