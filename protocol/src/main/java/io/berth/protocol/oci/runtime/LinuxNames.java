package io.berth.protocol.oci.runtime;

import java.util.List;
import java.util.Set;

/**
 * The Linux names a {@code config.json} may use, with their kernel numbers where the runtime needs them:
 * capabilities (list index = capability number), rlimits (list index = resource number), namespaces.
 */
public final class LinuxNames {
    /** Capability names in kernel order: {@code CAPABILITIES.indexOf(name)} is the capability number. */
    public static final List<String> CAPABILITIES = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
            "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
            "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
            "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
            "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
            "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
            "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
            "CAP_CHECKPOINT_RESTORE");

    /** Rlimit names in kernel order: {@code RLIMITS.indexOf(name)} is the resource number. */
    public static final List<String> RLIMITS = List.of(
            "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS",
            "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING",
            "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME");

    /** Namespace types, as {@code linux.namespaces[].type} names them. */
    public static final Set<String> NAMESPACES =
            Set.of("pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time");

    /** Values of {@code linux.rootfsPropagation}: the spec's four and the recursive forms runc accepts. */
    public static final Set<String> PROPAGATIONS = Set.of(
            "private", "shared", "slave", "unbindable", "rprivate", "rshared", "rslave", "runbindable");

    private LinuxNames() {}
}
