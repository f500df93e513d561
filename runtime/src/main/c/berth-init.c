/*
 * berth-init: the container's first process. It holds no policy: it reads a plan (a list of operations that
 * the Java runtime computed) from a pipe, executes it in order, reports "OK" or a precise error over the sync
 * pipe, and finally execs the container's process. See io.berth.runtime.linux.InitPlan for the wire format.
 *
 * argv: berth-init <plan fd> <sync fd> <first own fd> <last own fd>
 * fds below <first own fd> (from 3) are the caller's preserved fds; <first own fd>..<last own fd> are the
 * runtime's (plan pipe, sync pipe, exec fifo, console socket, and in reaper mode the exit file and the read
 * ends of FIFO stdio) and never reach the container's process.
 *
 * Built statically (gcc -static -O2) by the Maven build; executed from a sealed memfd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

/* struct mount_attr of linux/mount.h, which clashes with sys/mount.h */
struct berth_mount_attr {
    uint64_t attr_set, attr_clr, propagation, userns_fd;
};

enum op {
    OP_SETNS = 1, OP_UNSHARE = 2, OP_ROOT_PROPAGATION = 3, OP_ROOTFS = 4, OP_MOUNT = 5, OP_MKNOD = 6,
    OP_SYMLINK = 7, OP_HOOK = 8, OP_PIVOT = 9, OP_REMOUNT_ROOT_RO = 10, OP_MASK = 11, OP_READONLY = 12,
    OP_SYSCTL = 13, OP_HOSTNAME = 14, OP_DOMAINNAME = 15, OP_RLIMIT = 16, OP_CONSOLE = 17, OP_CHDIR = 18,
    OP_CAPBSET = 19, OP_USER = 20, OP_CAPS = 21, OP_NNP = 22, OP_SECCOMP = 23, OP_RESOLVE_EXEC = 24,
    OP_READY = 25, OP_WAIT_FIFO = 26, OP_UMASK = 27, OP_EXECVE = 28, OP_ROOT_PROPAGATE_AFTER = 29,
    OP_WAIT_PARENT = 30, OP_CHROOT = 31, OP_NEW_USER_NAMESPACE = 32,
    OP_OPEN_NAMESPACE = 33, OP_SETNS_OPENED = 34, OP_REAPER = 35, OP_MOUNT_ATTRIBUTES = 36,
};

static int sync_fd = -1;
static int opened_ns_fd = -1;  /* OP_OPEN_NAMESPACE's, for OP_SETNS_OPENED */
static int plan_fd = -1;   /* stays open after the plan for OP_WAIT_PARENT and OP_NEW_USER_NAMESPACE */
static int ready;     /* after OP_READY errors go to stderr: nobody reads the sync pipe any more */
static int root_fd = -1;
static const char *current = "start";

static void fail(int err, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void fail(int err, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char text[1200], line[1300];
    if (err)
        snprintf(text, sizeof text, "%s: %s: %s", current, msg, strerror(err));
    else
        snprintf(text, sizeof text, "%s: %s", current, msg);
    if (!ready && sync_fd >= 0) {
        int n = snprintf(line, sizeof line, "ERR\t%d\t%s\n", err, text);
        if (write(sync_fd, line, n < (int) sizeof line ? n : (int) sizeof line - 1) < 0) { /* runtime gone */ }
    } else {
        int n = snprintf(line, sizeof line, "berth-init: %s\n", text);
        if (write(2, line, n < (int) sizeof line ? n : (int) sizeof line - 1) < 0) { /* stderr closed */ }
    }
    _exit(ready ? 127 : 1);
}

/* ---- plan reader ---- */
static const unsigned char *cur, *end;

static void need(size_t n)
{
    if ((size_t) (end - cur) < n)
        fail(0, "truncated plan");
}

static uint32_t get_u32(void)
{
    uint32_t v;
    need(4);
    memcpy(&v, cur, 4);
    cur += 4;
    return v;
}

static int64_t get_i64(void)
{
    int64_t v;
    need(8);
    memcpy(&v, cur, 8);
    cur += 8;
    return v;
}

/* Strings are sent with their NUL, so they can be used in place. */
static const char *get_str(void)
{
    uint32_t n = get_u32();
    need(n);
    const char *s = (const char *) cur;
    if (n == 0 || s[n - 1] != '\0')
        fail(0, "malformed string in plan");
    cur += n;
    return s;
}

static const unsigned char *get_bytes(uint32_t *len)
{
    *len = get_u32();
    need(*len);
    const unsigned char *b = cur;
    cur += *len;
    return b;
}

/* A NULL-terminated array of strings (argv, envp). */
static char **get_strv(void)
{
    uint32_t n = get_u32();
    char **v = calloc(n + 1, sizeof(char *));
    if (!v)
        fail(ENOMEM, "calloc");
    for (uint32_t i = 0; i < n; i++)
        v[i] = (char *) get_str();
    return v;
}

static void read_full(int fd, void *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = read(fd, (char *) buf + done, n - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            fail(errno, "read plan");
        if (r == 0)
            fail(0, "plan pipe closed after %zu of %zu bytes", done, n);
        done += r;
    }
}

/* ---- paths inside the rootfs ---- */

/* Opens path with every component resolved inside the rootfs: symlinks pointing out of it stay in it. */
static int open_in_root(const char *path, int flags, mode_t mode)
{
    struct open_how how = {
        .flags = (uint64_t) (flags | O_CLOEXEC),
        .mode = (flags & O_CREAT) ? mode : 0,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    while (*path == '/')
        path++;
    if (*path == '\0')
        path = ".";
    return (int) syscall(SYS_openat2, root_fd, path, &how, sizeof how);
}

/*
 * mkdir -p inside the rootfs. Symlinks met on the way are followed as if the rootfs were "/" (an absolute
 * target restarts at the rootfs, ".." stops at it), and missing directories are created where they resolve,
 * so a link pointing out of the rootfs creates its target inside the rootfs instead.
 */
static void mkdir_in_root(const char *path)
{
    char todo[PATH_MAX * 2], resolved[PATH_MAX] = "";
    if (strlen(path) >= PATH_MAX)
        fail(ENAMETOOLONG, "%s", path);
    snprintf(todo, sizeof todo, "%s", path);
    int links = 0;
    char *rest = todo;
    while (*rest) {
        while (*rest == '/')
            rest++;
        if (!*rest)
            break;
        char *slash = strchr(rest, '/');
        size_t n = slash ? (size_t) (slash - rest) : strlen(rest);
        char comp[NAME_MAX + 1];
        if (n > NAME_MAX)
            fail(ENAMETOOLONG, "%s", path);
        memcpy(comp, rest, n);
        comp[n] = '\0';
        rest += n;
        if (strcmp(comp, ".") == 0)
            continue;
        if (strcmp(comp, "..") == 0) {
            char *last = strrchr(resolved, '/');
            if (last)
                *last = '\0';
            continue;
        }
        int parent = open_in_root(*resolved ? resolved : "/", O_PATH | O_DIRECTORY, 0);
        if (parent < 0)
            fail(errno, "open %s in rootfs", *resolved ? resolved : "/");
        struct stat st;
        if (fstatat(parent, comp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno != ENOENT)
                fail(errno, "stat %s/%s in rootfs", resolved, comp);
            if (mkdirat(parent, comp, 0755) < 0 && errno != EEXIST)
                fail(errno, "mkdir %s/%s in rootfs", resolved, comp);
        } else if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            ssize_t len = readlinkat(parent, comp, target, sizeof target - 1);
            if (len < 0)
                fail(errno, "readlink %s/%s in rootfs", resolved, comp);
            target[len] = '\0';
            if (++links > 40)
                fail(ELOOP, "%s", path);
            char next[PATH_MAX * 2];
            if (snprintf(next, sizeof next, "%s/%s", target, rest) >= (int) sizeof next)
                fail(ENAMETOOLONG, "%s", path);
            strcpy(todo, next);
            rest = todo;
            if (target[0] == '/')
                resolved[0] = '\0';
            close(parent);
            continue;
        } else if (!S_ISDIR(st.st_mode)) {
            fail(ENOTDIR, "%s/%s in rootfs", resolved, comp);
        }
        close(parent);
        size_t rl = strlen(resolved);
        if (rl + 1 + n >= sizeof resolved)
            fail(ENAMETOOLONG, "%s", path);
        resolved[rl] = '/';
        strcpy(resolved + rl + 1, comp);
    }
}

static void split_parent(const char *path, char *parent, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        strcpy(parent, ".");
        *base = path;
        return;
    }
    size_t n = slash - path;
    if (n >= PATH_MAX)
        fail(ENAMETOOLONG, "%s", path);
    memcpy(parent, path, n);
    parent[n] = '\0';
    if (n == 0)
        strcpy(parent, "/");
    *base = slash + 1;
}

static void fd_path(char *buf, int fd)
{
    snprintf(buf, 64, "/proc/self/fd/%d", fd);
}

/*
 * The directory at path inside the rootfs, opened O_PATH, created (mkdir -p) when missing. Usually it is there:
 * one lookup then, resolved inside the rootfs as the walk of mkdir_in_root would be.
 */
static int open_dir_creating(const char *path)
{
    int fd = open_in_root(path, O_PATH | O_DIRECTORY, 0);
    if (fd >= 0)
        return fd;
    /* Often only the last component is missing: one mkdir in the parent, the result looked up inside the rootfs
     * again (a dangling symlink there fails that lookup and takes the walk, which creates its target inside). */
    char parent[PATH_MAX];
    const char *base;
    split_parent(path, parent, &base);
    int pfd = open_in_root(parent, O_PATH | O_DIRECTORY, 0);
    if (pfd >= 0) {
        int made = mkdirat(pfd, base, 0755) == 0 || errno == EEXIST;
        close(pfd);
        if (made && (fd = open_in_root(path, O_PATH | O_DIRECTORY, 0)) >= 0)
            return fd;
    }
    mkdir_in_root(path);
    fd = open_in_root(path, O_PATH | O_DIRECTORY, 0);
    if (fd < 0)
        fail(errno, "open %s in rootfs", path);
    return fd;
}

/* Creates the mount point (a directory, or an empty file for a file bind) and opens it O_PATH. */
static int prepare_dest(const char *dest, int is_file)
{
    if (!is_file)
        return open_dir_creating(dest);
    int existing = open_in_root(dest, O_PATH, 0);
    if (existing >= 0)  /* usually there already: one lookup instead of the walk below */
        return existing;
    char parent[PATH_MAX];
    const char *base;
    split_parent(dest, parent, &base);
    mkdir_in_root(parent);
    int fd = open_in_root(dest, O_CREAT | O_RDONLY | O_NOCTTY, 0644);
    if (fd < 0 && errno != EISDIR)
        fail(errno, "create mount point %s", dest);
    if (fd >= 0)
        close(fd);
    fd = open_in_root(dest, O_PATH, 0);
    if (fd < 0)
        fail(errno, "open mount point %s in rootfs", dest);
    return fd;
}

static int reopen_dest(const char *dest)
{
    int fd = open_in_root(dest, O_PATH, 0);
    if (fd < 0)
        fail(errno, "reopen %s in rootfs", dest);
    return fd;
}

static void op_mount(void)
{
    const char *source = get_str(), *dest = get_str(), *fstype = get_str(), *data = get_str();
    unsigned long flags = (unsigned long) get_i64();
    unsigned long remount = (unsigned long) get_i64();
    unsigned long propagation = (unsigned long) get_i64();
    int is_bind = (int) get_i64(), is_file = (int) get_i64();
    char p[64];

    int fd = prepare_dest(dest, is_file);
    fd_path(p, fd);
    if (is_bind) {
        if (mount(source, p, NULL, flags, NULL) < 0)
            fail(errno, "bind %s on %s", source, dest);
    } else {
        if (mount(source, p, fstype, flags, *data ? data : NULL) < 0)
            fail(errno, "mount %s (%s) on %s with '%s'", source, fstype, dest, data);
    }
    close(fd);
    if (remount) {
        fd = reopen_dest(dest);
        fd_path(p, fd);
        if (mount(NULL, p, NULL, remount, NULL) < 0)
            fail(errno, "remount %s with flags 0x%lx", dest, remount);
        close(fd);
    }
    if (propagation) {
        fd = reopen_dest(dest);
        fd_path(p, fd);
        if (mount(NULL, p, NULL, propagation, NULL) < 0)
            fail(errno, "set propagation 0x%lx on %s", propagation, dest);
        close(fd);
    }
}

/* Sets mount attributes (MOUNT_ATTR_*) on the mount at dest and every mount below it, in one call. */
static void op_mount_attributes(void)
{
    const char *dest = get_str();
    struct berth_mount_attr attr = {.attr_set = (uint64_t) get_i64()};
    int fd = reopen_dest(dest);
    if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
        fail(errno, "set attributes 0x%llx on %s and the mounts below it", (unsigned long long) attr.attr_set, dest);
    close(fd);
}

static void op_mknod(void)
{
    const char *path = get_str();
    mode_t mode = (mode_t) get_i64();
    unsigned maj = (unsigned) get_i64(), min = (unsigned) get_i64();
    uid_t uid = (uid_t) get_i64();
    gid_t gid = (gid_t) get_i64();
    char parent[PATH_MAX];
    const char *base;
    split_parent(path, parent, &base);
    int dfd = open_dir_creating(parent);
    if (mknodat(dfd, base, mode, makedev(maj, min)) < 0) {
        if (errno != EEXIST)
            fail(errno, "mknod %s", path);
    } else {
        if (fchownat(dfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
            fail(errno, "chown %s", path);
        if (fchmodat(dfd, base, mode & 07777, 0) < 0)
            fail(errno, "chmod %s", path);
    }
    close(dfd);
}

static void op_symlink(void)
{
    const char *target = get_str(), *path = get_str();
    char parent[PATH_MAX];
    const char *base;
    split_parent(path, parent, &base);
    int dfd = open_dir_creating(parent);
    if (symlinkat(target, dfd, base) < 0 && errno != EEXIST)
        fail(errno, "symlink %s -> %s", path, target);
    close(dfd);
}

/* Runs a hook with the state on stdin; a non-zero exit or the timeout fails the plan. */
static void op_hook(void)
{
    const char *path = get_str();
    char **args = get_strv(), **env = get_strv();
    int64_t timeout = get_i64();
    const char *state = get_str();
    int in[2];
    if (pipe2(in, O_CLOEXEC) < 0)
        fail(errno, "pipe for hook %s", path);
    pid_t pid = fork();
    if (pid < 0)
        fail(errno, "fork hook %s", path);
    if (pid == 0) {
        dup2(in[0], 0);
        execve(path, args[0] ? args : (char *[]){(char *) path, NULL}, env);
        _exit(127);
    }
    close(in[0]);
    size_t len = strlen(state);
    if (write(in[1], state, len) < 0 && errno != EPIPE) { /* a hook may ignore its stdin */ }
    close(in[1]);
    struct timespec start, now, tick = {0, 1000000};
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return;
            if (WIFEXITED(status))
                fail(0, "hook %s exited with status %d", path, WEXITSTATUS(status));
            fail(0, "hook %s killed by signal %d", path, WTERMSIG(status));
        }
        if (r < 0 && errno != EINTR)
            fail(errno, "wait for hook %s", path);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (timeout > 0 && now.tv_sec - start.tv_sec >= timeout) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            fail(0, "hook %s timed out after %lld s", path, (long long) timeout);
        }
        nanosleep(&tick, NULL);
    }
}

/* Modes: 0 pivot_root; 1 move the rootfs onto / and chroot (--no-pivot); 2 chroot only (the host's mount
 * namespace, whose root must not move). */
static void op_pivot(void)
{
    int mode = (int) get_i64();
    if (fchdir(root_fd) < 0)
        fail(errno, "fchdir to rootfs");
    if (mode == 2) {
        if (chroot(".") < 0)
            fail(errno, "chroot");
    } else if (mode == 1) {
        if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
            fail(errno, "move rootfs to /");
        if (chroot(".") < 0)
            fail(errno, "chroot");
    } else {
        /* pivot_root(".", ".") stacks the old root on top of the new one; detach it right away. */
        if (syscall(SYS_pivot_root, ".", ".") < 0)
            fail(errno, "pivot_root");
        if (umount2(".", MNT_DETACH) < 0)
            fail(errno, "detach old root");
    }
    if (chdir("/") < 0)
        fail(errno, "chdir /");
    close(root_fd);
    root_fd = -1;
}

static void op_mask(void)
{
    const char *path = get_str();
    struct stat st;
    if (stat(path, &st) < 0) {
        if (errno == ENOENT)
            return;
        fail(errno, "stat masked path %s", path);
    }
    if (S_ISDIR(st.st_mode)) {
        if (mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL) < 0)
            fail(errno, "mask directory %s", path);
    } else if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0) {
        fail(errno, "mask %s", path);
    }
}

static void op_readonly(void)
{
    const char *path = get_str();
    if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
        if (errno == ENOENT)
            return;
        fail(errno, "bind readonly path %s", path);
    }
    if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, NULL) < 0)
        fail(errno, "remount %s read-only", path);
}

static void write_file(const char *path, const char *value)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        fail(errno, "open %s", path);
    size_t len = strlen(value);
    if (write(fd, value, len) != (ssize_t) len)
        fail(errno, "write '%s' to %s", value, path);
    close(fd);
}

static void send_fd(int sock, int fd, const char *name)
{
    char cbuf[CMSG_SPACE(sizeof(int))];
    memset(cbuf, 0, sizeof cbuf);
    struct iovec iov = {.iov_base = (void *) name, .iov_len = strlen(name)};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    if (sendmsg(sock, &msg, 0) < 0)
        fail(errno, "send pty master over the console socket");
}

/* Opens a pty in the container's devpts, sends the master over the console socket, makes the slave our tty. */
static void op_console(void)
{
    int sock = (int) get_i64();
    unsigned short rows = (unsigned short) get_i64(), cols = (unsigned short) get_i64();
    int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        fail(errno, "open /dev/ptmx");
    int unlock = 0;
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
        fail(errno, "unlock pty");
    int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0)
        fail(errno, "open pty peer");
    if (rows || cols) {
        struct winsize ws = {.ws_row = rows, .ws_col = cols};
        ioctl(slave, TIOCSWINSZ, &ws);
    }
    int n;
    char name[64] = "/dev/pts/?";
    if (ioctl(master, TIOCGPTN, &n) == 0)
        snprintf(name, sizeof name, "/dev/pts/%d", n);
    send_fd(sock, master, name);
    close(master);
    close(sock);
    if (ioctl(slave, TIOCSCTTY, 0) < 0)
        fail(errno, "make %s the controlling terminal", name);
    for (int i = 0; i <= 2; i++)
        if (dup2(slave, i) < 0)
            fail(errno, "dup2 pty to fd %d", i);
    close(slave);
}

static void op_chdir(void)
{
    const char *cwd = get_str();
    if (chdir(cwd) < 0)
        fail(errno, "chdir to cwd %s", cwd);
    /* getcwd fails (or is not absolute) when the cwd lies outside our root, e.g. reached through a leaked fd. */
    char buf[PATH_MAX];
    if (!getcwd(buf, sizeof buf) || buf[0] != '/')
        fail(EPERM, "cwd %s is outside the container", cwd);
}

static void op_capbset(void)
{
    uint64_t keep = (uint64_t) get_i64();
    int last = (int) get_i64();
    for (int cap = 0; cap <= last; cap++)
        if (!(keep & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            fail(errno, "drop capability %d from the bounding set", cap);
}

static void op_user(void)
{
    uid_t uid = (uid_t) get_i64();
    gid_t gid = (gid_t) get_i64();
    uint32_t n = get_u32();
    gid_t groups[NGROUPS_MAX > 1024 ? 1024 : NGROUPS_MAX];
    if (n > sizeof groups / sizeof groups[0])
        fail(E2BIG, "%u additional gids", n);
    for (uint32_t i = 0; i < n; i++)
        groups[i] = (gid_t) get_i64();
    if (setgroups(n, groups) < 0)
        fail(errno, "setgroups (%u gids)", n);
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        fail(errno, "PR_SET_KEEPCAPS");
    if (setresgid(gid, gid, gid) < 0)
        fail(errno, "setresgid %u", gid);
    if (setresuid(uid, uid, uid) < 0)
        fail(errno, "setresuid %u", uid);
    /* A uid change makes us non-dumpable, which would close /proc/self/fd (the exec FIFO) to us; execve
     * recomputes dumpability for the container's process anyway. */
    if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
        fail(errno, "PR_SET_DUMPABLE");
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
        fail(errno, "PR_SET_KEEPCAPS");
}

static void op_caps(void)
{
    uint64_t eff = get_i64(), perm = get_i64(), inh = get_i64(), amb = get_i64();
    int last = (int) get_i64();
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2] = {
        {.effective = (uint32_t) eff, .permitted = (uint32_t) perm, .inheritable = (uint32_t) inh},
        {.effective = (uint32_t) (eff >> 32), .permitted = (uint32_t) (perm >> 32), .inheritable = (uint32_t) (inh >> 32)},
    };
    if (syscall(SYS_capset, &hdr, data) < 0)
        fail(errno, "capset effective=0x%llx permitted=0x%llx inheritable=0x%llx",
             (unsigned long long) eff, (unsigned long long) perm, (unsigned long long) inh);
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
        fail(errno, "clear ambient capabilities");
    for (int cap = 0; cap <= last; cap++)
        if ((amb & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            fail(errno, "raise ambient capability %d", cap);
}

static void op_seccomp(void)
{
    unsigned int flags = (unsigned int) get_i64();
    uint32_t len;
    const unsigned char *filter = get_bytes(&len);
    if (len % sizeof(struct sock_filter) != 0)
        fail(0, "seccomp filter of %u bytes is not a whole number of instructions", len);
    struct sock_filter *copy = malloc(len);
    if (!copy)
        fail(ENOMEM, "malloc");
    memcpy(copy, filter, len);
    struct sock_fprog prog = {.len = (unsigned short) (len / sizeof(struct sock_filter)), .filter = copy};
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) < 0)
        fail(errno, "install seccomp filter (%u instructions, flags 0x%x)", prog.len, flags);
}

/* The executable, looked up in the container's PATH as execvp does, before "created" is reported. */
static char **exec_argv, **exec_envp;
static char exec_path[PATH_MAX];

static const char *env_path(char **envp)
{
    for (char **e = envp; *e; e++)
        if (strncmp(*e, "PATH=", 5) == 0)
            return *e + 5;
    return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

static void op_resolve_exec(void)
{
    exec_argv = get_strv();
    exec_envp = get_strv();
    if (!exec_argv[0])
        fail(0, "process.args is empty");
    const char *name = exec_argv[0];
    if (strchr(name, '/')) {
        snprintf(exec_path, sizeof exec_path, "%s", name);
        if (access(exec_path, X_OK) < 0)
            fail(errno, "exec %s", name);
        return;
    }
    const char *path = env_path(exec_envp);
    int last_err = ENOENT;
    while (*path) {
        const char *colon = strchrnul(path, ':');
        size_t n = colon - path;
        snprintf(exec_path, sizeof exec_path, "%.*s/%s", (int) n, n ? path : ".", name);
        struct stat st;
        if (stat(exec_path, &st) == 0 && S_ISREG(st.st_mode)) {
            if (access(exec_path, X_OK) == 0)
                return;
            last_err = errno;
        }
        path = *colon ? colon + 1 : colon;
    }
    fail(last_err, "executable file '%s' not found in $PATH", name);
}

/* One byte from the runtime on the plan pipe (which stays open, close-on-exec, for a later wait); EOF means
 * it gave up. */
static void wait_parent(void)
{
    char go;
    ssize_t r;
    do {
        r = read(plan_fd, &go, 1);
    } while (r < 0 && errno == EINTR);
    if (r != 1)
        fail(r < 0 ? errno : 0, "the runtime closed the plan pipe");
}

/* The user namespace comes last, after every privileged step done as host root, so it owns none of the
 * container's other namespaces. Only root in the parent user namespace (the runtime) may write maps that
 * name other host ids, so we ask it and wait; ids in the credential steps that follow are then ours. */
static void op_new_user_namespace(void)
{
    if (unshare(CLONE_NEWUSER) < 0)
        fail(errno, "unshare(CLONE_NEWUSER)%s", errno == EPERM ? " (the root is a chroot: no pivot_root)" : "");
    if (write(sync_fd, "USERNS\n", 7) != 7)
        fail(errno, "ask the runtime for the uid and gid maps");
    wait_parent();
}

static void op_ready(void)
{
    if (write(sync_fd, "OK\n", 3) != 3)
        fail(errno, "report ready");
    ready = 1;
}

/* The exec FIFO, open for writing once `start` opened it for reading; closed by the execve (O_CLOEXEC). */
static int fifo_write_fd = -1;

/*
 * Reaper mode (OP_REAPER). Instead of exec'ing the process itself, the init forks it and stays behind as a tiny
 * pid 1, as tini does, so how the process ended outlives the runtime process that created the container (its
 * parent, which alone could wait for it): the init forwards every signal it can catch to the process, reaps
 * every orphan, and once the process has ended writes "<exit code> <signal>\n" (the code 128 + signal when a
 * signal killed it) to the exit file the runtime opened for it, then exits with that code. It runs with the
 * process's credentials, capabilities and seccomp filter, and keeps the runtime's fds (among them a read end of
 * each FIFO the process writes to, so a writer blocks instead of dying of SIGPIPE while nobody reads); it is
 * made non-dumpable so the process cannot reach those fds through /proc/1/fd.
 */
static int reaper_exit_fd = -1;

static void reap(pid_t task, const sigset_t *all) __attribute__((noreturn));
static void reap(pid_t task, const sigset_t *all)
{
    for (;;) {
        int sig = sigwaitinfo(all, NULL);
        if (sig < 0) {
            if (errno == EINTR)
                continue;
            fail(errno, "reaper: sigwaitinfo");
        }
        if (sig != SIGCHLD) {
            kill(task, sig);  /* ESRCH when it has just ended: its SIGCHLD is pending */
            continue;
        }
        int status;
        pid_t p;
        while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
            if (p != task)
                continue;  /* an orphan the process left */
            int signo = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
            int code = signo ? 128 + signo : WEXITSTATUS(status);
            char line[32];
            int n = snprintf(line, sizeof line, "%d %d\n", code, signo);
            if (write(reaper_exit_fd, line, n) != n) { /* nobody else could record it */ }
            _exit(code);
        }
    }
}

/* Returns in the child, which goes on to exec; the parent becomes the reaper. */
static void fork_reaper(void)
{
    sigset_t all, old;
    /* Every signal, also those a libc keeps for its threads (musl's sigfillset leaves out 32-34, among them
     * glibc's SIGRTMIN): the init has no threads, and the process must get each one. */
    memset(&all, 0xff, sizeof all);
    /* Blocked before the fork, so no signal or SIGCHLD sent before sigwaitinfo is lost. */
    if (sigprocmask(SIG_SETMASK, &all, &old) < 0)
        fail(errno, "reaper: block signals");
    pid_t task = fork();
    if (task < 0)
        fail(errno, "reaper: fork the process");
    if (task == 0) {
        if (sigprocmask(SIG_SETMASK, &old, NULL) < 0)
            fail(errno, "restore the signal mask");
        return;
    }
    if (fifo_write_fd >= 0)
        close(fifo_write_fd);  /* `start` sees EOF once the process has exec'd */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        fail(errno, "reaper: PR_SET_DUMPABLE");
    /* Without a pid namespace of its own, orphans would otherwise go to the host's init. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
        fail(errno, "reaper: PR_SET_CHILD_SUBREAPER");
    reap(task, &all);
}

static void op_wait_fifo(void)
{
    int fifo = (int) get_i64();
    char p[64];
    fd_path(p, fifo);
    /* Blocks until `start` opens the FIFO for reading. */
    fifo_write_fd = open(p, O_WRONLY | O_CLOEXEC);
    if (fifo_write_fd < 0)
        fail(errno, "open exec fifo");
    close(fifo);
}

int main(int argc, char **argv)
{
    if (argc != 5)
        return 2;
    plan_fd = atoi(argv[1]);
    int first_own = atoi(argv[3]), last_own = atoi(argv[4]);
    sync_fd = atoi(argv[2]);
    /* Whatever the spawning process leaked (the JVM opens files without O_CLOEXEC) dies here. */
    syscall(SYS_close_range, (unsigned) last_own + 1, ~0U, 0);
    syscall(SYS_close_range, (unsigned) first_own, (unsigned) last_own, CLOSE_RANGE_CLOEXEC);
    umask(0);
    if (setsid() < 0 && errno != EPERM)
        fail(errno, "setsid");

    uint32_t len;
    read_full(plan_fd, &len, 4);
    unsigned char *plan = malloc(len ? len : 1);
    if (!plan)
        fail(ENOMEM, "plan of %u bytes", len);
    read_full(plan_fd, plan, len);
    cur = plan;
    end = plan + len;

    while (cur < end) {
        uint32_t op = get_u32();
        switch (op) {
        case OP_SETNS: {
            current = "setns";
            const char *path = get_str();
            int type = (int) get_i64();
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                fail(errno, "open namespace %s", path);
            if (setns(fd, type) < 0)
                fail(errno, "join namespace %s", path);
            close(fd);
            /* Every later step names its targets /proc/self/fd/N, now looked up in the joined namespace: its
             * /proc must show this process (a procfs of our pid namespace or of one above it). */
            if (type == CLONE_NEWNS && access("/proc/self/fd", F_OK) < 0)
                fail(errno, "the mount namespace %s has no /proc showing this process's pid namespace: "
                     "join the pid namespace of the process that owns it too, or mount such a /proc in it", path);
            break;
        }
        case OP_OPEN_NAMESPACE: {  /* a host /proc path that the mount namespace joined later would hide */
            current = "setns";
            const char *path = get_str();
            opened_ns_fd = open(path, O_RDONLY | O_CLOEXEC);
            if (opened_ns_fd < 0)
                fail(errno, "open namespace %s", path);
            break;
        }
        case OP_SETNS_OPENED: {
            current = "setns";
            int type = (int) get_i64();
            if (setns(opened_ns_fd, type) < 0)
                fail(errno, "join the namespace opened before (type 0x%x)", type);
            close(opened_ns_fd);
            opened_ns_fd = -1;
            break;
        }
        case OP_UNSHARE: {
            current = "unshare";
            int flags = (int) get_i64();
            if (unshare(flags) < 0)
                fail(errno, "unshare 0x%x", flags);
            break;
        }
        case OP_ROOT_PROPAGATION:
        case OP_ROOT_PROPAGATE_AFTER: {
            current = "rootfsPropagation";
            unsigned long flags = (unsigned long) get_i64();
            if (mount(NULL, "/", NULL, flags, NULL) < 0)
                fail(errno, "set propagation 0x%lx on /", flags);
            break;
        }
        case OP_ROOTFS: {
            current = "root";
            const char *path = get_str(), *target = get_str();
            unsigned long propagation = (unsigned long) get_i64();
            if (mount(path, target, NULL, MS_BIND | MS_REC, NULL) < 0)
                fail(errno, "bind rootfs %s on %s", path, target);
            if (propagation && mount(NULL, target, NULL, propagation, NULL) < 0)
                fail(errno, "set propagation 0x%lx on rootfs %s", propagation, target);
            root_fd = open(target, O_PATH | O_DIRECTORY | O_CLOEXEC);
            if (root_fd < 0)
                fail(errno, "open rootfs %s", target);
            break;
        }
        case OP_CHROOT: {
            current = "chroot";
            const char *path = get_str();
            if (chroot(path) < 0)
                fail(errno, "chroot %s", path);
            if (chdir("/") < 0)
                fail(errno, "chdir /");
            break;
        }
        case OP_MOUNT: current = "mounts"; op_mount(); break;
        case OP_MOUNT_ATTRIBUTES: current = "mounts"; op_mount_attributes(); break;
        case OP_MKNOD: current = "devices"; op_mknod(); break;
        case OP_SYMLINK: current = "devices"; op_symlink(); break;
        case OP_HOOK: current = "hooks"; op_hook(); break;
        case OP_PIVOT: current = "pivot_root"; op_pivot(); break;
        case OP_REMOUNT_ROOT_RO:
            current = "root.readonly";
            if (mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
                fail(errno, "remount / read-only");
            break;
        case OP_MASK: current = "maskedPaths"; op_mask(); break;
        case OP_READONLY: current = "readonlyPaths"; op_readonly(); break;
        case OP_SYSCTL: {
            current = "sysctl";
            const char *path = get_str(), *value = get_str();
            write_file(path, value);
            break;
        }
        case OP_HOSTNAME: {
            current = "hostname";
            const char *name = get_str();
            if (sethostname(name, strlen(name)) < 0)
                fail(errno, "sethostname %s", name);
            break;
        }
        case OP_DOMAINNAME: {
            current = "domainname";
            const char *name = get_str();
            if (setdomainname(name, strlen(name)) < 0)
                fail(errno, "setdomainname %s", name);
            break;
        }
        case OP_RLIMIT: {
            current = "rlimits";
            const char *name = get_str();
            int res = (int) get_i64();
            struct rlimit rl;
            rl.rlim_cur = (rlim_t) get_i64();  /* separate statements: initialisers are unsequenced */
            rl.rlim_max = (rlim_t) get_i64();
            if (setrlimit(res, &rl) < 0)
                fail(errno, "setrlimit %s soft=%llu hard=%llu%s", name, (unsigned long long) rl.rlim_cur,
                     (unsigned long long) rl.rlim_max,
                     errno == EPERM ? " (raising a hard limit needs CAP_SYS_RESOURCE)" : "");
            break;
        }
        case OP_CONSOLE: current = "terminal"; op_console(); break;
        case OP_CHDIR: current = "cwd"; op_chdir(); break;
        case OP_CAPBSET: current = "capabilities.bounding"; op_capbset(); break;
        case OP_USER: current = "user"; op_user(); break;
        case OP_CAPS: current = "capabilities"; op_caps(); break;
        case OP_NNP:
            current = "noNewPrivileges";
            if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                fail(errno, "PR_SET_NO_NEW_PRIVS");
            break;
        case OP_SECCOMP: current = "seccomp"; op_seccomp(); break;
        case OP_RESOLVE_EXEC: current = "args"; op_resolve_exec(); break;
        case OP_READY: current = "ready"; op_ready(); break;
        case OP_WAIT_FIFO: current = "exec fifo"; op_wait_fifo(); break;
        case OP_UMASK: umask((mode_t) get_i64()); break;
        case OP_WAIT_PARENT:
            /* The runtime sends one byte once we sit in our cgroup (and its hooks ran). */
            current = "wait for runtime";
            wait_parent();
            break;
        case OP_NEW_USER_NAMESPACE: current = "user namespace"; op_new_user_namespace(); break;
        case OP_REAPER:
            current = "reaper";
            reaper_exit_fd = (int) get_i64();
            break;
        case OP_EXECVE:
            current = "exec";
            if (!exec_argv)
                fail(0, "exec before the executable was resolved");
            if (reaper_exit_fd >= 0)
                fork_reaper();
            /* `start` reads this byte, then waits for EOF: the execve closing the FIFO means the process runs. */
            if (fifo_write_fd >= 0 && write(fifo_write_fd, "0", 1) != 1)
                fail(errno, "write exec fifo");
            execve(exec_path, exec_argv, exec_envp);
            fail(errno, "exec %s", exec_path);
        default:
            fail(0, "unknown plan operation %u", op);
        }
    }
    fail(0, "plan ended without exec");
}
