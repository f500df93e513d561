package io.berth.runtime.linux;

import io.berth.runtime.ContainerRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;

/**
 * Spawns the C init ({@code berth-init}) in new namespaces, as DESIGN.md's runtime section prescribes.
 *
 * <p>Namespaces are per thread, so each spawn runs on a fresh platform thread that unshares the requested
 * namespaces (and joins a pid namespace by path), {@code posix_spawn}s the init, and exits: the thread is
 * never reused, because after {@code unshare(CLONE_NEWPID)} it could not even create a thread. A new network
 * or IPC namespace comes ready-made from {@link ReadyNamespaces} when one is there (setns instead of unshare). The init is
 * executed from a sealed memfd holding the copy shipped in the jar, so a container that gets hold of it
 * (/proc/&lt;pid&gt;/exe) cannot overwrite the host's copy (the CVE-2019-5736 class).
 *
 * <p>Everything that might start a thread or load a class on the spawn path is exercised once when this
 * class initialises ({@link #warmUp}). Thread-safe.
 */
public final class InitSpawner {
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final int SEALS = 1 | 2 | 4 | 8;  // F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE
    /** Sources are moved above every target fd first, so one dup2 cannot clobber another's source. */
    private static final int TEMP_FD_BASE = 1000;

    private final Linux linux;
    private final String initPath;
    /** Network and IPC namespaces made ahead. */
    private final List<ReadyNamespaces> readyNamespaces;
    private final SpawnThreads threads = new SpawnThreads();

    private InitSpawner(Linux linux, int memfd) {
        this.linux = linux;
        this.initPath = "/proc/self/fd/" + memfd;
        this.readyNamespaces = List.of(new ReadyNamespaces(linux, Linux.CLONE_NEWNET, "net"),
                new ReadyNamespaces(linux, Linux.CLONE_NEWIPC, "ipc"));
    }

    private static volatile InitSpawner instance;
    private static volatile boolean prepareAhead = true;

    /**
     * For a process that creates a container or two and exits (the command line): each spawn then makes its network
     * namespace and thread on the spot, and the helpers that keep them ready ({@link ReadyNamespaces}, the spawn
     * threads started ahead) never start: their threads and namespaces would cost more than they save.
     */
    public static void noPreparationAhead() {
        prepareAhead = false;
    }

    /** The process-wide spawner: seals the init into a memfd and warms up the spawn path on first use. */
    public static InitSpawner get() {
        InitSpawner s = instance;
        if (s == null) {
            synchronized (InitSpawner.class) {
                s = instance;
                if (s == null) {
                    Linux linux = Linux.get();
                    s = new InitSpawner(linux, sealedInit(linux));
                    s.warmUp();
                    instance = s;
                }
            }
        }
        return s;
    }

    private static int sealedInit(Linux linux) {
        byte[] binary;
        try (InputStream in = InitSpawner.class.getResourceAsStream("berth-init")) {
            if (in == null) {
                throw new ContainerRuntimeException("berth-init is missing from the runtime jar "
                        + "(io/berth/runtime/linux/berth-init); rebuild the runtime module with gcc installed");
            }
            binary = in.readAllBytes();
        } catch (IOException e) {
            throw new ContainerRuntimeException("cannot read berth-init from the runtime jar: " + e.getMessage(), e);
        }
        int fd = linux.check(linux.libc.memfd_create("berth-init", Linux.MFD_CLOEXEC | Linux.MFD_ALLOW_SEALING),
                "memfd_create(berth-init)");
        linux.writeAll(fd, binary);
        linux.check(linux.libc.fcntl(fd, Linux.F_ADD_SEALS, SEALS), "fcntl(memfd, F_ADD_SEALS)");
        return fd;
    }

    /**
     * Calls every function the spawn thread uses once, so jnr-ffi binds its stubs and the JVM loads the classes
     * before any thread runs in a new pid namespace; spawning the init with wrong arguments exits at once.
     */
    private void warmUp() {
        linux.libc.unshare(0);
        linux.libc.setns(-1, 0);
        linux.libc.close(-1);
        int pid = spawn(0, null, null, new int[] {-1, -1, -1}, List.of());
        int pidfd = linux.pidfdOpen(pid);
        while (pidfd >= 0 && linux.reap(pidfd) == null) {
            linux.pollIn(new int[] {pidfd}, 1000);
        }
        linux.closeQuietly(pidfd);
    }

    /**
     * Spawns the init and returns its pid (as this process sees it).
     *
     * @param unshareFlags  CLONE_NEW* flags for the namespaces to create (CLONE_NEWPID makes the init pid 1)
     * @param pidNamespace  a pid namespace to join ({@code /proc/<pid>/ns/pid}), or null
     * @param enterCgroup   null, or what the spawn thread runs right before posix_spawn, so the init is born in the
     *                      container's cgroup (it moves the thread there); the action it returns runs right after,
     *                      whether posix_spawn worked or not, and must move the thread back out
     * @param fds           fds[i] is the fd of this process to place at fd i in the init; -1 leaves fd i closed
     * @param args          the init's arguments after argv[0]
     * @throws SyscallException naming the step (setns, unshare, posix_spawn) that failed
     */
    public int spawn(int unshareFlags, String pidNamespace, Supplier<Runnable> enterCgroup, int[] fds,
            List<String> args) {
        return join(spawnAsync(unshareFlags, pidNamespace, enterCgroup, fds, args));
    }

    /**
     * {@link #spawn} without waiting: the caller goes on with other work (creating the cgroup) while the spawn
     * thread makes the namespaces. {@code enterCgroup} may block until that work is done; the fds must stay open
     * until the future completes. The future fails as {@link #spawn} throws, with anything enterCgroup threw.
     */
    public CompletableFuture<Integer> spawnAsync(int unshareFlags, String pidNamespace, Supplier<Runnable> enterCgroup,
            int[] fds, List<String> args) {
        boolean ahead = prepareAhead;
        if (ahead) {
            for (ReadyNamespaces r : readyNamespaces) {
                if ((unshareFlags & r.type()) != 0) {
                    r.start();
                }
            }
        }
        CompletableFuture<Integer> pid = new CompletableFuture<>();
        Runnable spawn = () -> {
            try {
                pid.complete(spawnOnThisThread(unshareFlags, pidNamespace, enterCgroup, fds, args));
            } catch (RuntimeException | Error e) {
                pid.completeExceptionally(e);
            }
        };
        if (!ahead || !threads.handOff(spawn)) {  // none started ahead (or spawns in a burst): this one starts now
            Thread thread = new Thread(spawn, "berth-spawn");
            thread.setDaemon(true);
            thread.start();
        }
        // No join of the thread: its exit (dropping its namespaces) takes milliseconds nobody needs to wait for.
        return pid;
    }

    /** The pid a {@link #spawnAsync} future holds, or what made it fail, thrown as it was. */
    public static int join(CompletableFuture<Integer> spawned) {
        try {
            return spawned.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException) {
                throw (RuntimeException) e.getCause();
            }
            if (e.getCause() instanceof Error) {
                throw (Error) e.getCause();
            }
            throw e;
        }
    }

    private int spawnOnThisThread(int unshareFlags, String pidNamespace, Supplier<Runnable> enterCgroup, int[] fds,
            List<String> args) {
        LibC libc = linux.libc;
        jnr.ffi.Runtime rt = linux.runtime;
        List<Integer> temps = new ArrayList<>();
        Pointer actions = Memory.allocateDirect(rt, 256, true);
        Pointer attr = Memory.allocateDirect(rt, 512, true);
        Pointer sigset = Memory.allocateDirect(rt, 128, true);
        List<Pointer> keep = new ArrayList<>();
        Pointer argv = strings(rt, args, keep);
        Pointer envp = strings(rt, List.of(), keep);
        IntByReference pid = new IntByReference();
        libc.posix_spawn_file_actions_init(actions);
        libc.posix_spawnattr_init(attr);
        try {
            for (int target = 0; target < fds.length; target++) {
                if (fds[target] >= 0) {
                    int temp = linux.dupAbove(fds[target], TEMP_FD_BASE);
                    temps.add(temp);
                    linux.check(libc.posix_spawn_file_actions_adddup2(actions, temp, target),
                            "posix_spawn_file_actions_adddup2(" + temp + ", " + target + ")");
                }
            }
            libc.sigemptyset(sigset);
            linux.check(libc.posix_spawnattr_setsigmask(attr, sigset), "posix_spawnattr_setsigmask");
            libc.sigfillset(sigset);
            linux.check(libc.posix_spawnattr_setsigdefault(attr, sigset), "posix_spawnattr_setsigdefault");
            linux.check(libc.posix_spawnattr_setflags(attr, (short) (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)),
                    "posix_spawnattr_setflags");
            if (pidNamespace != null) {
                int nsfd = linux.open(pidNamespace, Linux.O_RDONLY, 0);
                try {
                    linux.check(libc.setns(nsfd, Linux.CLONE_NEWPID), "setns(" + pidNamespace + ", CLONE_NEWPID)");
                } finally {
                    libc.close(nsfd);
                }
            }
            int unshare = unshareFlags;
            for (ReadyNamespaces r : readyNamespaces) {
                int ns = (unshare & r.type()) != 0 ? r.take() : -1;
                if (ns >= 0) {  // one made ahead: as new as the one unshare would make, without the wait
                    try {
                        linux.check(libc.setns(ns, r.type()), "setns(a new namespace, 0x" + Integer.toHexString(r.type())
                                + ")");
                    } finally {
                        libc.close(ns);
                    }
                    unshare &= ~r.type();
                }
            }
            if (unshare != 0) {
                linux.check(libc.unshare(unshare), "unshare(0x" + Integer.toHexString(unshare) + ")");
            }
            // After the unshares: what creating the namespaces costs the kernel is not the container's to pay.
            Runnable leaveCgroup = enterCgroup == null ? null : enterCgroup.get();
            int r;
            try {
                r = libc.posix_spawn(pid, initPath, actions, attr, argv, envp);
            } finally {
                if (leaveCgroup != null) {
                    leaveCgroup.run();
                }
            }
            if (r != 0) {  // posix_spawn returns the error number instead of setting errno
                throw new SyscallException("posix_spawn(" + initPath + ")", r, libc.strerror(r));
            }
            return pid.getValue();
        } finally {
            libc.posix_spawn_file_actions_destroy(actions);
            libc.posix_spawnattr_destroy(attr);
            for (int t : temps) {
                libc.close(t);
            }
        }
    }

    private static Pointer strings(jnr.ffi.Runtime rt, List<String> rest, List<Pointer> keep) {
        List<String> all = new ArrayList<>();
        all.add("berth-init");
        all.addAll(rest);
        Pointer array = Memory.allocateDirect(rt, (long) (all.size() + 1) * rt.addressSize(), true);
        for (int i = 0; i < all.size(); i++) {
            byte[] b = all.get(i).getBytes(StandardCharsets.UTF_8);
            Pointer s = Memory.allocateDirect(rt, b.length + 1, true);
            s.put(0, b, 0, b.length);
            keep.add(s);
            array.putPointer((long) i * rt.addressSize(), s);
        }
        return array;
    }

    /**
     * Spawn threads started ahead: starting a thread makes its starter wait until the new thread has run, which on
     * a busy machine means a wait for a CPU; a thread started ahead and parked only has to be woken. One thread is
     * kept ready by a daemon that starts the next one whenever the ready one is taken. Each runs exactly one spawn,
     * like a thread started on the spot, and exits.
     */
    private static final class SpawnThreads {
        private CompletableFuture<Runnable> ready;
        private boolean starting;

        /** Gives {@code spawn} to the thread started ahead; false when there is none (yet). */
        boolean handOff(Runnable spawn) {
            CompletableFuture<Runnable> taken;
            synchronized (this) {
                taken = ready;
                ready = null;
                if (!starting) {
                    starting = true;
                    Thread starter = new Thread(this::keepOneReady, "berth-spawn-starter");
                    starter.setDaemon(true);
                    starter.start();
                }
                notifyAll();
            }
            if (taken == null) {
                return false;
            }
            taken.complete(spawn);
            return true;
        }

        private void keepOneReady() {
            while (true) {
                synchronized (this) {
                    while (ready != null) {
                        try {
                            wait();
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
                CompletableFuture<Runnable> job = new CompletableFuture<>();
                Thread thread = new Thread(() -> job.join().run(), "berth-spawn");
                thread.setDaemon(true);
                thread.start();
                synchronized (this) {
                    ready = job;
                }
            }
        }
    }
}
