package io.berth.runtime.linux;

import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Network namespaces made ahead of time, so that creating a container does not wait for one: the kernel takes
 * about a millisecond to set one up (every per-namespace subsystem initialises its part: loopback, sysctl
 * tables, netfilter, ...), the largest single cost of a spawn. Once asked for a first time, a daemon thread keeps
 * {@link #READY} unused namespaces open and replaces each one handed out; the spawn thread enters it with setns
 * where it would have unshared. Each is made the way the spawn thread would make it, by unshare from the
 * process's own network namespace (to which the maker returns every time), and is handed out once.
 *
 * <p>Tearing a namespace down is the kernel's business after its last process and fd are gone: that runs
 * asynchronously (cleanup_net), so nobody waits for it. Thread-safe.
 */
final class NetworkNamespaces {
    private static final Logger LOG = LoggerFactory.getLogger(NetworkNamespaces.class);
    /** Enough for a burst of two creates; more would only hold kernel memory. */
    private static final int READY = 2;

    private final Linux linux;
    private final ArrayDeque<Integer> ready = new ArrayDeque<>();
    private boolean started;

    NetworkNamespaces(Linux linux) {
        this.linux = linux;
    }

    /**
     * Starts the maker if it is not running. Call it from a thread that may still start threads (not the spawn
     * thread, which may have changed its pid namespace).
     */
    synchronized void start() {
        if (!started) {
            started = true;
            Thread maker = new Thread(this::make, "berth-netns");
            maker.setDaemon(true);
            maker.start();
        }
    }

    /** An fd (close-on-exec) of a fresh network namespace, now the caller's to close; -1 when none is ready. */
    synchronized int take() {
        Integer fd = ready.poll();
        notifyAll();
        return fd == null ? -1 : fd;
    }

    private void make() {
        int own;
        try {
            own = linux.open("/proc/thread-self/ns/net", Linux.O_RDONLY, 0);
        } catch (SyscallException e) {
            LOG.warn("network namespaces will be made at each create: {}", e.getMessage());
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
                linux.check(linux.libc.unshare(Linux.CLONE_NEWNET), "unshare(CLONE_NEWNET)");
                fd = linux.open("/proc/thread-self/ns/net", Linux.O_RDONLY, 0);
                linux.check(linux.libc.setns(own, Linux.CLONE_NEWNET), "setns(own network namespace)");
            } catch (SyscallException e) {
                // The spawn thread then unshares as it would without this class and reports what fails.
                LOG.warn("network namespaces will be made at each create: {}", e.getMessage());
                return;
            }
            synchronized (this) {
                ready.add(fd);
            }
        }
    }
}
