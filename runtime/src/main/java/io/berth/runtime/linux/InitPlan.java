package io.berth.runtime.linux;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The list of operations the C init ({@code src/main/c/berth-init.c}) executes, in order, and its wire
 * format: a native-endian u32 length, then per operation a u32 opcode and its fields. Integers are i64,
 * strings a u32 length and the UTF-8 bytes with a trailing NUL, lists a u32 count and their elements,
 * byte blobs a u32 length and the bytes. Each method appends one operation; the opcodes must match the
 * {@code enum op} of the C file. Not thread-safe: one plan per container.
 */
public final class InitPlan {
    private static final int SETNS = 1, UNSHARE = 2, ROOT_PROPAGATION = 3, ROOTFS = 4, MOUNT = 5, MKNOD = 6,
            SYMLINK = 7, HOOK = 8, PIVOT = 9, REMOUNT_ROOT_RO = 10, MASK = 11, READONLY = 12, SYSCTL = 13,
            HOSTNAME = 14, DOMAINNAME = 15, RLIMIT = 16, CONSOLE = 17, CHDIR = 18, CAPBSET = 19, USER = 20,
            CAPS = 21, NNP = 22, SECCOMP = 23, RESOLVE_EXEC = 24, READY = 25, WAIT_FIFO = 26, UMASK = 27,
            EXECVE = 28, ROOT_PROPAGATE_AFTER = 29, WAIT_PARENT = 30, CHROOT = 31,
            NEW_USER_NAMESPACE = 32, OPEN_NAMESPACE = 33, SETNS_OPENED = 34, REAPER = 35, MOUNT_ATTRIBUTES = 36;
    /** mount_setattr(2)'s MOUNT_ATTR_* bits, for {@link #mountAttributes}. */
    public static final long MOUNT_ATTR_RDONLY = 1, MOUNT_ATTR_NOSUID = 2, MOUNT_ATTR_NODEV = 4,
            MOUNT_ATTR_NOEXEC = 8;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());

    private InitPlan op(int code) {
        u32(code);
        return this;
    }

    private void u32(int v) {
        scratch.clear();
        scratch.putInt(v);
        out.write(scratch.array(), 0, 4);
    }

    private InitPlan i64(long v) {
        scratch.clear();
        scratch.putLong(v);
        out.write(scratch.array(), 0, 8);
        return this;
    }

    private InitPlan str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        for (byte x : b) {
            if (x == 0) {
                throw new IllegalArgumentException("a NUL byte in '" + s.replace('\0', '?') + "'");
            }
        }
        u32(b.length + 1);
        out.write(b, 0, b.length);
        out.write(0);
        return this;
    }

    private InitPlan strs(List<String> list) {
        u32(list.size());
        list.forEach(this::str);
        return this;
    }

    /** Joins the namespace at path (setns with nstype, a CLONE_NEW* flag). */
    public InitPlan setns(String path, int nstype) {
        return op(SETNS).str(path).i64(nstype);
    }

    /**
     * Opens a namespace file for a later {@link #setnsOpened}: joining the mount namespace (whose /proc may
     * not show the path) or a user namespace (after which the others cannot be joined) comes in between.
     */
    public InitPlan openNamespace(String path) {
        return op(OPEN_NAMESPACE).str(path);
    }

    /** setns on the file of the last {@link #openNamespace}, then closes it. */
    public InitPlan setnsOpened(int nstype) {
        return op(SETNS_OPENED).i64(nstype);
    }

    /** unshare(flags), e.g. CLONE_NEWCGROUP once the init sits in its cgroup. */
    public InitPlan unshare(int flags) {
        return op(UNSHARE).i64(flags);
    }

    /** mount(NULL, "/", NULL, flags): the propagation of the whole tree before the rootfs is prepared. */
    public InitPlan rootPropagation(long flags) {
        return op(ROOT_PROPAGATION).i64(flags);
    }

    /**
     * Binds the rootfs on {@code target} (itself, or a directory of the runtime's: pivot_root needs a mount
     * point), sets {@code propagation} on that bind when non-zero, and resolves every later path inside it.
     */
    public InitPlan rootfs(String hostPath, String target, long propagation) {
        return op(ROOTFS).str(hostPath).str(target).i64(propagation);
    }

    /**
     * Mounts onto a destination resolved inside the rootfs (created as a directory, or an empty file when
     * {@code destIsFile}), then remounts with {@code remountFlags} and sets {@code propagation} when non-zero.
     */
    public InitPlan mount(String source, String dest, String fstype, String data, long flags, long remountFlags,
            long propagation, boolean bind, boolean destIsFile) {
        return op(MOUNT).str(source).str(dest).str(fstype).str(data).i64(flags).i64(remountFlags).i64(propagation)
                .i64(bind ? 1 : 0).i64(destIsFile ? 1 : 0);
    }

    /**
     * Sets {@code attributes} (MOUNT_ATTR_* bits) on the mount at {@code dest} (inside the rootfs) and every mount
     * below it in one mount_setattr(2): a tree of binds made read-only without a remount of each.
     */
    public InitPlan mountAttributes(String dest, long attributes) {
        return op(MOUNT_ATTRIBUTES).str(dest).i64(attributes);
    }

    /** mknod inside the rootfs; mode includes the file type bits (S_IFCHR, S_IFBLK, S_IFIFO). */
    public InitPlan mknod(String path, int mode, long major, long minor, long uid, long gid) {
        return op(MKNOD).str(path).i64(mode).i64(major).i64(minor).i64(uid).i64(gid);
    }

    /** A symlink inside the rootfs; an existing entry is left alone. */
    public InitPlan symlink(String target, String path) {
        return op(SYMLINK).str(target).str(path);
    }

    /** Runs a hook from the init, with {@code state} on its stdin; a timeout of 0 means none. */
    public InitPlan hook(String path, List<String> args, List<String> env, int timeoutSeconds, String state) {
        return op(HOOK).str(path).strs(args).strs(env).i64(timeoutSeconds).str(state);
    }

    /** pivot_root into the rootfs (or MS_MOVE + chroot with noPivot) and detach the old root. */
    public InitPlan pivot(boolean noPivot) {
        return op(PIVOT).i64(noPivot ? 1 : 0);
    }

    /** chroot into the rootfs, for a container in the host's mount namespace (whose root must not move). */
    public InitPlan chrootIntoRootfs() {
        return op(PIVOT).i64(2);
    }

    /** chroot(path) and chdir("/"): an exec'd process of a container that has no mount namespace of its own. */
    public InitPlan chroot(String path) {
        return op(CHROOT).str(path);
    }

    public InitPlan remountRootReadOnly() {
        return op(REMOUNT_ROOT_RO);
    }

    /** mount(NULL, "/", NULL, flags) after pivot_root, for linux.rootfsPropagation. */
    public InitPlan rootPropagationAfterPivot(long flags) {
        return op(ROOT_PROPAGATE_AFTER).i64(flags);
    }

    /** Hides a path: /dev/null over a file, a read-only tmpfs over a directory; a missing path is fine. */
    public InitPlan mask(String path) {
        return op(MASK).str(path);
    }

    /** Binds a path on itself read-only; a missing path is fine. */
    public InitPlan readonly(String path) {
        return op(READONLY).str(path);
    }

    /** Writes value to a file (a /proc/sys entry). */
    public InitPlan sysctl(String procPath, String value) {
        return op(SYSCTL).str(procPath).str(value);
    }

    public InitPlan hostname(String name) {
        return op(HOSTNAME).str(name);
    }

    public InitPlan domainname(String name) {
        return op(DOMAINNAME).str(name);
    }

    /** setrlimit; name (RLIMIT_NOFILE) is only for the error message. */
    public InitPlan rlimit(String name, int resource, long soft, long hard) {
        return op(RLIMIT).str(name).i64(resource).i64(soft).i64(hard);
    }

    /** Opens a pty in the container, sends the master over socketFd (SCM_RIGHTS) and makes the slave fds 0-2. */
    public InitPlan console(int socketFd, int rows, int cols) {
        return op(CONSOLE).i64(socketFd).i64(rows).i64(cols);
    }

    /** chdir, then fails unless getcwd shows a path inside the container's root. */
    public InitPlan chdir(String cwd) {
        return op(CHDIR).str(cwd);
    }

    /** Drops from the bounding set every capability up to lastCap not in keepMask. */
    public InitPlan dropBounding(long keepMask, int lastCap) {
        return op(CAPBSET).i64(keepMask).i64(lastCap);
    }

    /** setgroups, then setresgid and setresuid keeping the permitted capabilities. */
    public InitPlan user(long uid, long gid, List<Long> additionalGids) {
        op(USER).i64(uid).i64(gid);
        u32(additionalGids.size());
        additionalGids.forEach(this::i64);
        return this;
    }

    /** capset for effective/permitted/inheritable, then raises the ambient set. */
    public InitPlan capabilities(long effective, long permitted, long inheritable, long ambient, int lastCap) {
        return op(CAPS).i64(effective).i64(permitted).i64(inheritable).i64(ambient).i64(lastCap);
    }

    public InitPlan noNewPrivileges() {
        return op(NNP);
    }

    public InitPlan umask(int mask) {
        return op(UMASK).i64(mask);
    }

    /** Installs a classic BPF filter (struct sock_filter[] in native order) with SECCOMP_FILTER_FLAG_* flags. */
    public InitPlan seccomp(byte[] filter, int flags) {
        op(SECCOMP).i64(flags);
        u32(filter.length);
        out.write(filter, 0, filter.length);
        return this;
    }

    /** Looks args[0] up in env's PATH (inside the container) and remembers argv and envp for {@link #execve}. */
    public InitPlan resolveExec(List<String> args, List<String> env) {
        return op(RESOLVE_EXEC).strs(args).strs(env);
    }

    /** Reports "OK" over the sync pipe: the container is created. Later errors go to the process's stderr. */
    public InitPlan ready() {
        return op(READY);
    }

    /** Blocks until {@code start} opens the exec FIFO (held as an O_PATH fd), writes one byte, closes it. */
    public InitPlan waitExecFifo(int fifoPathFd) {
        return op(WAIT_FIFO).i64(fifoPathFd);
    }

    /**
     * Blocks until the runtime writes one byte on the plan pipe (it has put the init in its cgroup and run
     * its own hooks), so that work overlaps with the init's mounts.
     */
    public InitPlan waitParent() {
        return op(WAIT_PARENT);
    }

    /**
     * unshare(CLONE_NEWUSER), then "USERNS" on the sync pipe and a wait, as {@link #waitParent}, for the
     * runtime's byte on the plan pipe once it has written the init's uid_map and gid_map. The init does it
     * itself because a multithreaded process (the JVM) cannot; the runtime must keep the plan pipe open.
     */
    public InitPlan newUserNamespace() {
        return op(NEW_USER_NAMESPACE);
    }

    /**
     * Reaper mode: {@link #execve} then forks the process and the init stays as its reaper, writing how it ended
     * to {@code exitFileFd} (one of the runtime's fds, opened for writing) before it exits with the same code.
     */
    public InitPlan reaper(int exitFileFd) {
        return op(REAPER).i64(exitFileFd);
    }

    public InitPlan execve() {
        return op(EXECVE);
    }

    /** The encoded plan, length-prefixed, ready for the plan pipe. */
    public byte[] encode() {
        byte[] body = out.toByteArray();
        ByteBuffer b = ByteBuffer.allocate(4 + body.length).order(ByteOrder.nativeOrder());
        b.putInt(body.length);
        b.put(body);
        return b.array();
    }
}
