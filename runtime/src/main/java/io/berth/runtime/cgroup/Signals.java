package io.berth.runtime.cgroup;

import io.berth.runtime.linux.Linux;
import java.util.Set;

/** Signalling a cgroup's processes and waiting for them to be gone. */
final class Signals {
    static final int SIGKILL = 9;

    private Signals() {}

    private static final long SELF = ProcessHandle.current().pid();

    /**
     * Sends {@code signal} to each pid; a process that has exited meanwhile is skipped, and so is this process,
     * which a cgroup lists while one of its threads spawns an init into it ({@link ContainerCgroup#enterThread}).
     */
    static void send(Set<Integer> pids, int signal) {
        Linux linux = Linux.get();
        for (int pid : pids) {
            if (pid != SELF) {
                linux.kill(pid, signal);
            }
        }
    }

    /**
     * Kills every process of the cgroup and waits until it is empty. SIGKILL is repeated while waiting because
     * a process forked before the kill reached its parent can still appear.
     *
     * @throws CgroupException when processes remain after 10 seconds
     */
    static void killAndWait(ContainerCgroup cgroup) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (int attempt = 0; ; attempt++) {
            Set<Integer> pids = cgroup.pids();
            if (pids.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new CgroupException(cgroup + ": processes " + pids + " survived SIGKILL for 10 s; they may be"
                        + " stuck in uninterruptible sleep (see /proc/<pid>/stack)");
            }
            if (attempt % 20 == 0) {
                cgroup.killAll(SIGKILL);
            }
            CgroupFiles.sleep(Math.min(1 + attempt, 20));
        }
    }
}
