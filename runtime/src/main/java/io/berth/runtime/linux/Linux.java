package io.berth.runtime.linux;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * The libc calls the runtime makes from Java, each turning -1/errno into a {@link SyscallException} that
 * names the call and its arguments. One instance per process ({@link #get()}); thread-safe. Every fd it
 * opens is close-on-exec.
 */
public final class Linux {
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_NOCTTY = 0400;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_PATH = 010000000;

    public static final int CLONE_NEWTIME = 0x80;
    public static final int CLONE_FS = 0x200;
    public static final int CLONE_NEWNS = 0x20000;
    public static final int CLONE_NEWCGROUP = 0x02000000;
    public static final int CLONE_NEWUTS = 0x04000000;
    public static final int CLONE_NEWIPC = 0x08000000;
    public static final int CLONE_NEWUSER = 0x10000000;
    public static final int CLONE_NEWPID = 0x20000000;
    public static final int CLONE_NEWNET = 0x40000000;

    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int ECHILD = 10;
    public static final int ENOENT = 2;
    public static final int EINVAL = 22;
    public static final int ENOTEMPTY = 39;
    private static final int MNT_DETACH = 2, UMOUNT_NOFOLLOW = 8;

    static final int F_DUPFD_CLOEXEC = 1030;
    static final int F_ADD_SEALS = 1033;
    static final int F_SETPIPE_SZ = 1031;
    static final int MFD_CLOEXEC = 1;
    static final int MFD_ALLOW_SEALING = 2;

    private static final int P_PIDFD = 3;
    private static final int PRIO_PROCESS = 0;
    private static final int WEXITED = 4;
    private static final int WNOHANG = 1;
    private static final int CLD_EXITED = 1;
    private static final int POLLIN = 1;
    private static final int EFD_CLOEXEC = 02000000;

    private static volatile Linux instance;

    final LibC libc;
    final Runtime runtime;

    private Linux() {
        libc = LibraryLoader.create(LibC.class).load("c");
        runtime = Runtime.getRuntime(libc);
    }

    /** The process-wide instance; the first call loads libc. */
    public static Linux get() {
        Linux l = instance;
        if (l == null) {
            synchronized (Linux.class) {
                l = instance;
                if (l == null) {
                    l = new Linux();
                    instance = l;
                }
            }
        }
        return l;
    }

    int errno() {
        return runtime.getLastError();
    }

    SyscallException error(String call) {
        int e = errno();
        return new SyscallException(call, e, libc.strerror(e));
    }

    int check(int result, String call) {
        if (result < 0) {
            throw error(call);
        }
        return result;
    }

    /** open(2) with O_CLOEXEC added. */
    public int open(String path, int flags, int mode) {
        int fd = libc.open(path, flags | O_CLOEXEC, mode);
        if (fd < 0) {
            throw error("open(" + path + ", 0" + Integer.toOctalString(flags) + ")");
        }
        return fd;
    }

    /** Closes fd, ignoring errors (there is nothing useful to do about a failed close). */
    public void closeQuietly(int fd) {
        if (fd >= 0) {
            libc.close(fd);
        }
    }

    /**
     * Lazily unmounts the mount tree at path (umount2 with MNT_DETACH); returns false when nothing is mounted
     * there (EINVAL) or the path is gone (ENOENT).
     */
    public boolean detachMount(Path path) {
        if (libc.umount2(path.toString(), MNT_DETACH | UMOUNT_NOFOLLOW) < 0) {
            int e = errno();
            if (e == EINVAL || e == ENOENT) {
                return false;
            }
            throw error("umount2(" + path + ", MNT_DETACH)");
        }
        return true;
    }

    /** rmdir(2): 0 when the directory was removed, else the errno (ENOENT: there was none; EBUSY, ENOTEMPTY, ...). */
    public int rmdir(Path dir) {
        return libc.rmdir(dir.toString()) < 0 ? errno() : 0;
    }

    /** unlink(2): 0 when the file was removed, else the errno (ENOENT: there was none). */
    public int unlink(Path file) {
        return libc.unlink(file.toString()) < 0 ? errno() : 0;
    }

    /**
     * A small file read with one read(2) of up to max bytes, such as /proc/&lt;pid&gt;/stat (whose content the kernel
     * makes at that read); null when it cannot be opened or read, e.g. because the process is gone.
     */
    public byte[] readSmall(String path, int max) {
        int fd = libc.open(path, O_RDONLY | O_CLOEXEC, 0);
        if (fd < 0) {
            return null;
        }
        try {
            return read(fd, max);
        } catch (SyscallException e) {
            return null;
        } finally {
            libc.close(fd);
        }
    }

    /**
     * Lowers the calling thread's CPU priority to nice 10 (on Linux the nice value belongs to a thread), for helpers
     * that work ahead or clean up behind: on a busy CPU they get about a tenth of what a create, start or delete on it
     * gets and do not preempt it when they wake, yet they are not starved (nice 19 would get about 1.5%, too little
     * to keep namespaces ready on a loaded machine). Best effort: a failure leaves the priority as it was.
     */
    public void backgroundPriority() {
        libc.setpriority(PRIO_PROCESS, 0, 10);
    }

    /** The text of errno {@code e}. */
    public String strerror(int e) {
        return libc.strerror(e);
    }

    /** A close-on-exec pipe: [read end, write end]. */
    public int[] pipe() {
        int[] fds = new int[2];
        check(libc.pipe2(fds, O_CLOEXEC), "pipe2(O_CLOEXEC)");
        return fds;
    }

    public void mkfifo(Path path, int mode) {
        check(libc.mkfifo(path.toString(), mode), "mkfifo(" + path + ", 0" + Integer.toOctalString(mode) + ")");
    }

    /**
     * Sets a pipe's (or FIFO's) capacity (fcntl F_SETPIPE_SZ); the kernel rounds it up to a power of two pages
     * and refuses more than /proc/sys/fs/pipe-max-size without CAP_SYS_RESOURCE. Returns the new capacity.
     */
    public int setPipeSize(int fd, int bytes) {
        return check(libc.fcntl(fd, F_SETPIPE_SZ, bytes), "fcntl(" + fd + ", F_SETPIPE_SZ, " + bytes + ")");
    }

    /** kill(2); returns false when the process does not exist (ESRCH). */
    public boolean kill(int pid, int signal) {
        if (libc.kill(pid, signal) < 0) {
            if (errno() == ESRCH) {
                return false;
            }
            throw error("kill(" + pid + ", " + signal + ")");
        }
        return true;
    }

    /** A close-on-exec pidfd for pid; -1 when the process does not exist. */
    public int pidfdOpen(int pid) {
        int fd = libc.pidfd_open(pid, 0);
        if (fd < 0) {
            if (errno() == ESRCH) {
                return -1;
            }
            throw error("pidfd_open(" + pid + ")");
        }
        return fd;
    }

    /** Signals the process a pidfd refers to; returns false when it has already exited. */
    public boolean pidfdSignal(int pidfd, int signal) {
        if (libc.pidfd_send_signal(pidfd, signal, null, 0) < 0) {
            if (errno() == ESRCH) {
                return false;
            }
            throw error("pidfd_send_signal(" + pidfd + ", " + signal + ")");
        }
        return true;
    }

    /**
     * Reaps the child a pidfd refers to without blocking: null while it still runs, else
     * {@code [exitCode, signal]} (signal 0 for a normal exit). Throws ECHILD for a process that is not ours.
     */
    public int[] reap(int pidfd) {
        Pointer info = Memory.allocateDirect(runtime, 128, true);
        int r = libc.waitid(P_PIDFD, pidfd, info, WEXITED | WNOHANG);
        if (r < 0) {
            throw error("waitid(P_PIDFD, " + pidfd + ")");
        }
        if (info.getInt(16) == 0) {  // si_pid stays 0 while the child runs
            return null;
        }
        int code = info.getInt(8);
        int status = info.getInt(24);
        return code == CLD_EXITED ? new int[] {status, 0} : new int[] {128 + status, status};
    }

    /** A close-on-exec eventfd, to wake a thread blocked in {@link #pollIn}. */
    public int eventfd() {
        return check(libc.eventfd(0, EFD_CLOEXEC), "eventfd");
    }

    /** Waits up to timeoutMillis (-1: forever) for any of fds to become readable; returns which ones did. */
    public boolean[] pollIn(int[] fds, int timeoutMillis) {
        Pointer p = Memory.allocateDirect(runtime, 8L * Math.max(1, fds.length), true);
        for (int i = 0; i < fds.length; i++) {
            p.putInt(8L * i, fds[i]);
            p.putShort(8L * i + 4, (short) POLLIN);
        }
        int r = libc.poll(p, fds.length, timeoutMillis);
        boolean[] ready = new boolean[fds.length];
        if (r < 0) {
            if (errno() == EINTR) {
                return ready;
            }
            throw error("poll(" + fds.length + " fds)");
        }
        for (int i = 0; i < fds.length; i++) {
            ready[i] = p.getShort(8L * i + 6) != 0;
        }
        return ready;
    }

    /** Reads up to max bytes; an empty array at end of file. Retries on EINTR. */
    public byte[] read(int fd, int max) {
        Pointer buf = Memory.allocateDirect(runtime, max);
        long n;
        do {
            n = libc.read(fd, buf, max);
        } while (n < 0 && errno() == EINTR);
        if (n < 0) {
            throw error("read(" + fd + ")");
        }
        byte[] out = new byte[(int) n];
        buf.get(0, out, 0, out.length);
        return out;
    }

    /** Reads up to max bytes from a non-blocking fd: null when nothing is available (EAGAIN), empty at EOF. */
    public byte[] readNonBlocking(int fd, int max) {
        Pointer buf = Memory.allocateDirect(runtime, max);
        long n;
        do {
            n = libc.read(fd, buf, max);
        } while (n < 0 && errno() == EINTR);
        if (n < 0) {
            if (errno() == EAGAIN) {
                return null;
            }
            throw error("read(" + fd + ")");
        }
        byte[] out = new byte[(int) n];
        buf.get(0, out, 0, out.length);
        return out;
    }

    /** Writes all of data. Retries on EINTR and short writes. */
    public void writeAll(int fd, byte[] data) {
        if (data.length == 0) {
            return;
        }
        Pointer buf = Memory.allocateDirect(runtime, data.length);
        buf.put(0, data, 0, data.length);
        long off = 0;
        while (off < data.length) {
            long n = libc.write(fd, buf.slice(off), data.length - off);
            if (n < 0) {
                if (errno() == EINTR) {
                    continue;
                }
                throw error("write(" + fd + ", " + data.length + " bytes)");
            }
            off += n;
        }
    }

    /** A close-on-exec AF_UNIX stream socket connected to path (a console socket). */
    public int connectUnix(Path path) {
        Pointer addr = unixAddress(path);
        int fd = check(libc.socket(1 /* AF_UNIX */, 1 /* SOCK_STREAM */ | 02000000 /* SOCK_CLOEXEC */, 0),
                "socket(AF_UNIX)");
        if (libc.connect(fd, addr, 110) < 0) {
            SyscallException e = error("connect(" + path + ")");
            libc.close(fd);
            throw e;
        }
        return fd;
    }

    /**
     * bpf(2), which glibc does not wrap; attr is a union bpf_attr of size bytes. Returns the call's result
     * (a new fd, close-on-exec as every bpf fd is, for the commands that create one).
     */
    public int bpf(int cmd, Pointer attr, int size) {
        long nr = System.getProperty("os.arch").equals("aarch64") ? 280 : 321;
        long result = libc.syscall(nr, cmd, attr, size);
        if (result < 0) {
            throw error("bpf(cmd " + cmd + ")");
        }
        return (int) result;
    }

    /**
     * A close-on-exec AF_UNIX stream socket listening at path (a console socket, as runc's recvtty offers);
     * the path must not exist.
     */
    public int listenUnix(Path path) {
        int fd = check(libc.socket(1, 1 | 02000000, 0), "socket(AF_UNIX)");
        Pointer addr = unixAddress(path);
        if (libc.bind(fd, addr, 110) < 0 || libc.listen(fd, 16) < 0) {
            SyscallException e = error("bind/listen(" + path + ")");
            libc.close(fd);
            throw e;
        }
        return fd;
    }

    /** Accepts one connection on a listening socket; the returned fd is close-on-exec. */
    public int accept(int listenFd) {
        return check(libc.accept4(listenFd, null, null, 02000000), "accept4(" + listenFd + ")");
    }

    /** Receives one fd sent with SCM_RIGHTS (a pty master from the console socket); -1 at end of stream. */
    public int receiveFd(int socketFd) {
        Pointer data = Memory.allocateDirect(runtime, 256, true);
        Pointer iov = Memory.allocateDirect(runtime, 16, true);
        iov.putPointer(0, data);
        iov.putLong(8, 256);
        Pointer control = Memory.allocateDirect(runtime, 64, true);
        Pointer msg = Memory.allocateDirect(runtime, 56, true);
        msg.putPointer(16, iov);
        msg.putLong(24, 1);
        msg.putPointer(32, control);
        msg.putLong(40, 64);
        long n;
        do {
            n = libc.recvmsg(socketFd, msg, 0x40000000 /* MSG_CMSG_CLOEXEC */);
        } while (n < 0 && errno() == EINTR);
        if (n < 0) {
            throw error("recvmsg(" + socketFd + ")");
        }
        if (msg.getLong(40) < 20 || control.getInt(8) != 1 /* SOL_SOCKET */ || control.getInt(12) != 1 /* SCM_RIGHTS */) {
            return -1;
        }
        return control.getInt(16);
    }

    private Pointer unixAddress(Path path) {
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        if (name.length >= 108) {
            throw new SyscallException("bind/connect(" + path + ")", 36, "socket path longer than 107 bytes");
        }
        Pointer addr = Memory.allocateDirect(runtime, 110, true);
        addr.putShort(0, (short) 1);
        addr.put(2, name, 0, name.length);
        return addr;
    }

    /** Duplicates fd onto the lowest free fd at or above min, close-on-exec. */
    public int dupAbove(int fd, int min) {
        return check(libc.fcntl(fd, F_DUPFD_CLOEXEC, min), "fcntl(" + fd + ", F_DUPFD_CLOEXEC, " + min + ")");
    }
}
