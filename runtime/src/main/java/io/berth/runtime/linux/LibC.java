package io.berth.runtime.linux;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.IntByReference;

/**
 * The libc functions the runtime calls from Java; glibc 2.36 or later (pidfd_open). Public only because
 * jnr-ffi's generated implementation lives in another class loader; use {@link Linux}, never this.
 */
@SaveError
public interface LibC {
    int unshare(int flags);

    int setns(int fd, int nstype);

    int umount2(String target, int flags);

    int rmdir(String path);

    int setpriority(int which, int who, int prio);

    int unlink(String path);

    int memfd_create(String name, int flags);

    int fcntl(int fd, int cmd, int arg);

    int pipe2(@Out int[] fds, int flags);

    int open(String path, int flags, int mode);

    int close(int fd);

    long read(int fd, Pointer buf, long count);

    long write(int fd, Pointer buf, long count);

    int mkfifo(String path, int mode);

    int kill(int pid, int signal);

    int pidfd_open(int pid, int flags);

    int pidfd_send_signal(int pidfd, int signal, Pointer info, int flags);

    int waitid(int idtype, int id, Pointer siginfo, int options);

    int poll(Pointer fds, long nfds, int timeout);

    int eventfd(int initval, int flags);

    int socket(int domain, int type, int protocol);

    int connect(int fd, Pointer addr, int len);

    int bind(int fd, Pointer addr, int len);

    int listen(int fd, int backlog);

    int accept4(int fd, Pointer addr, Pointer len, int flags);

    long recvmsg(int fd, Pointer msg, int flags);

    int sigfillset(Pointer set);

    int sigemptyset(Pointer set);

    int posix_spawn(IntByReference pid, String path, Pointer fileActions, Pointer attr, Pointer argv, Pointer envp);

    int posix_spawn_file_actions_init(Pointer actions);

    int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newfd);

    int posix_spawn_file_actions_destroy(Pointer actions);

    int posix_spawnattr_init(Pointer attr);

    int posix_spawnattr_setflags(Pointer attr, short flags);

    int posix_spawnattr_setsigmask(Pointer attr, Pointer sigmask);

    int posix_spawnattr_setsigdefault(Pointer attr, Pointer sigdefault);

    int posix_spawnattr_destroy(Pointer attr);

    String strerror(int errnum);

    /** syscall(2) with three arguments, for calls glibc has no wrapper for (bpf). */
    long syscall(long number, long arg1, Pointer arg2, long arg3);
}
