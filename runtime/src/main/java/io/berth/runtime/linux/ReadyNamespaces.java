package io.berth.runtime.linux;

import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Namespaces of one type made ahead of time, so that creating a container does not wait for one. A network
 * namespace takes the kernel about a millisecond (every per-namespace subsystem initialises its part: loopback,
 * sysctl tables, netfilter, ...), the largest single cost of a spawn; an IPC namespace registers its sysctl tables
 * and mounts an internal mqueue filesystem, as long as copying the mount table. Once asked for a first time, a
 * daemon thread keeps {@link #READY} unused namespaces open and replaces each one handed out; the spawn thread
 * enters it with setns where it would have unshared. Each is made the way the spawn thread would make it, by
 * unshare from the process's own namespace (to which the maker returns every time), and is handed out once. Only
 * types that start empty belong here: a mount namespace copies the host's mounts at the time it is made.
 *
 * <p>Tearing a namespace down is the kernel's business after its last process and fd are gone: that runs
 * asynchronously, so nobody waits for it. Thread-safe.
 */
final class ReadyNamespaces {
    private static final Logger LOG = LoggerFactory.getLogger(ReadyNamespaces.class);
    /** Enough for a burst of two creates; more would only hold kernel memory. */
    private static final int READY = 2;

    private final Linux linux;
    private final int type;
    private final String file;
    private final ArrayDeque<Integer> ready = new ArrayDeque<>();
    private boolean started;

    /**
     * @param type the CLONE_NEW* flag
     * @param name the namespace's file in /proc/thread-self/ns ("net", "ipc")
     */
    ReadyNamespaces(Linux linux, int type, String name) {
        this.linux = linux;
        this.type = type;
        this.file = "/proc/thread-self/ns/" + name;
    }

    /** The CLONE_NEW* flag of the namespaces this hands out. */
    int type() {
        return type;
    }

    /**
     * Starts the maker if it is not running. Call it from a thread that may still start threads (not the spawn
     * thread, which may have changed its pid namespace).
     */
    synchronized void start() {
        if (!started) {
            started = true;
            Thread maker = new Thread(this::make, "berth-ns-" + file.substring(file.lastIndexOf('/') + 1));
            maker.setDaemon(true);
            maker.start();
        }
    }

    /** An fd (close-on-exec) of a fresh namespace, now the caller's to close; -1 when none is ready. */
    synchronized int take() {
        Integer fd = ready.poll();
        notifyAll();
        return fd == null ? -1 : fd;
    }

    private void make() {
        linux.backgroundPriority();  // the creates that take namespaces come first; this refills while they are idle
        int own;
        try {
            own = linux.open(file, Linux.O_RDONLY, 0);
        } catch (SyscallException e) {
            LOG.warn("{} namespaces will be made at each create: {}", file, e.getMessage());
            return;
        }
        while (true) {
            synchronized (this) {
                while (ready.size() >= READY) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
            int fd;
            try {
                linux.check(linux.libc.unshare(type), "unshare(0x" + Integer.toHexString(type) + ")");
                fd = linux.open(file, Linux.O_RDONLY, 0);
                linux.check(linux.libc.setns(own, type), "setns(" + file + " of the process)");
            } catch (SyscallException e) {
                // The spawn thread then unshares as it would without this class and reports what fails.
                LOG.warn("{} namespaces will be made at each create: {}", file, e.getMessage());
                return;
            }
            synchronized (this) {
                ready.add(fd);
            }
        }
    }
}
