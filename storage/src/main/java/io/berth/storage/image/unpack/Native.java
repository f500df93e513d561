package io.berth.storage.image.unpack;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The few system calls unpacking needs that the JDK lacks, with -1/errno turned into an {@link IOException}
 * naming the call, its path and the error. No jnr type leaves this class.
 */
final class Native {

    /** The libc functions used (glibc ≥ 2.33 exports mknod directly). */
    public interface LibC {
        int mknod(String path, int mode, long dev);

        int lsetxattr(String path, String name, byte[] value, long size, int flags);

        int lchown(String path, int uid, int gid);

        int chmod(String path, int mode);

        int utimensat(int dirfd, String path, long[] times, int flags);

        int open(String path, int flags);

        int close(int fd);

        int syncfs(int fd);

        String strerror(int errnum);
    }

    static final int S_IFIFO = 0010000;
    static final int S_IFCHR = 0020000;
    static final int S_IFBLK = 0060000;
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int O_RDONLY_DIRECTORY_CLOEXEC = 0200000 | 02000000;

    private static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
    private static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

    private Native() {
    }

    static void mknod(Path path, int type, int perm, int major, int minor) throws IOException {
        check(LIBC.mknod(path.toString(), type | (perm & 07777), makedev(major, minor)), "mknod", path);
    }

    static void lsetxattr(Path path, String name, byte[] value) throws IOException {
        check(LIBC.lsetxattr(path.toString(), name, value, value.length, 0), "lsetxattr " + name, path);
    }

    static void lchown(Path path, int uid, int gid) throws IOException {
        check(LIBC.lchown(path.toString(), uid, gid), "lchown " + uid + ":" + gid, path);
    }

    static void chmod(Path path, int mode) throws IOException {
        check(LIBC.chmod(path.toString(), mode & 07777), "chmod " + Integer.toOctalString(mode & 07777), path);
    }

    /** Sets atime and mtime of the path itself (never a symlink's target). */
    static void lutimes(Path path, long seconds, long nanos) throws IOException {
        long[] times = {seconds, nanos, seconds, nanos};
        check(LIBC.utimensat(AT_FDCWD, path.toString(), times, AT_SYMLINK_NOFOLLOW), "utimensat", path);
    }

    /** Flushes the file system holding {@code dir}: one call instead of an fsync per unpacked file. */
    static void syncfs(Path dir) throws IOException {
        int fd = LIBC.open(dir.toString(), O_RDONLY_DIRECTORY_CLOEXEC);
        check(fd, "open", dir);
        try {
            check(LIBC.syncfs(fd), "syncfs", dir);
        } finally {
            LIBC.close(fd);
        }
    }

    /** glibc's makedev: 12+20 bits of major, 8+24 bits of minor. */
    static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    private static void check(int rc, String call, Path path) throws IOException {
        if (rc < 0) {
            int errno = RUNTIME.getLastError();
            throw new IOException(call + "(" + path + ") failed: " + LIBC.strerror(errno) + " (errno " + errno + ")");
        }
    }
}
