package io.berth.runtime.cgroup;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * One container's cgroup, from {@link Cgroups#create} or {@link Cgroups#open}.
 *
 * <p>Every method talks to the cgroup filesystem directly and keeps no cache, so any number of instances (in
 * any number of processes) for the same container agree. Methods are safe to call from any thread; two
 * concurrent {@link #update} calls race as two writers of the same files would. Failures are
 * {@link CgroupException}s that name the file and value.
 */
public interface ContainerCgroup {

    /** The host's cgroup interface. */
    CgroupVersion version();

    /**
     * The container's directories (on v1 one per hierarchy, sorted; on v2 one), to store and hand to
     * {@link Cgroups#open(List)} later.
     */
    List<Path> directories();

    /**
     * Moves a process (all its threads) into the container's cgroup: on v1 into each of its hierarchies, on v2
     * into the one directory.
     *
     * @throws CgroupException when a {@code cgroup.procs} write fails, e.g. the process is gone
     */
    void addProcess(int pid);

    /**
     * Moves the calling thread, and only it, into the container's cgroup (on v1 into each of its hierarchies) and
     * returns what moves it back; a process the thread spawns in between is born inside. On v1 this is much
     * cheaper than {@link #addProcess}: a thread moving itself (writing "0" to {@code tasks}) skips the kernel's
     * global thread-group lock, whose every acquisition after a quiet moment waits for an RCU grace period.
     * Only for a thread that spawns nothing else meanwhile and does not outlive the spawn: while it is inside,
     * its process is listed in the cgroup. The way back leads to the runtime's own cgroup (the hierarchy's root
     * where that is gone) through files opened ahead, so it holds when the thread's root changes meanwhile (a
     * pivot_root in a mount namespace it shares).
     *
     * @throws UnsupportedOperationException on v2, where the threads of a process share one (domain) cgroup:
     *     use {@link #addProcess} there
     * @throws CgroupException when a {@code tasks} write fails; the thread is then back where it was
     */
    Runnable enterThread();

    /** Every process in the container's cgroup and its descendants; empty when none or when it is gone. */
    Set<Integer> pids();

    /**
     * How many times the kernel's OOM killer killed a process of this cgroup (v2 {@code memory.events}
     * {@code oom_kill}, v1 {@code memory.oom_control} {@code oom_kill}). 0 when the memory controller is not
     * available to this cgroup, since no kill can be attributed then.
     */
    long oomKillCount();

    /** Current counters; see {@link CgroupStats} for absent controllers. */
    CgroupStats stats();

    /**
     * Applies new limits to a live cgroup, as {@code runc update} does. Null fields are left as they are.
     * {@code memory.checkBeforeUpdate} refuses a memory limit below the current usage. A failure may leave the
     * limits written before it in place; the message says which file failed.
     *
     * @param resources not null
     */
    void update(RuntimeSpec.Resources resources);

    /** Freezes every process of the cgroup and returns once the kernel reports it frozen. */
    void freeze();

    /** Thaws a frozen cgroup and returns once the kernel reports it thawed; a no-op when not frozen. */
    void thaw();

    /** Whether the cgroup is frozen (or freezing) now. */
    boolean frozen();

    /**
     * What to bind at the container's {@code /sys/fs/cgroup} for a {@code cgroup} mount: per v1 hierarchy its
     * container directory and target subdirectory, on v2 the container's directory with target {@code ""}.
     */
    List<CgroupMount> mountSources();

    /**
     * Sends {@code signal} to every process in the cgroup and its descendants. The cgroup is frozen during the
     * sweep so a forking process cannot escape it; on v2 {@code SIGKILL} goes through {@code cgroup.kill}.
     */
    void killAll(int signal);

    /**
     * Kills whatever still runs in the cgroup, waits until it is empty and removes every directory of it
     * (descendants first). Idempotent: missing directories are fine. Directories above the container's (such
     * as {@code berth/}) are shared and stay.
     *
     * @throws CgroupException when processes survive SIGKILL for several seconds or a directory cannot be
     *     removed
     */
    void destroy();
}
