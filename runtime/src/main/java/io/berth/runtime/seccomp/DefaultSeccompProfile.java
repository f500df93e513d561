package io.berth.runtime.seccomp;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import io.berth.protocol.oci.runtime.RuntimeSpecs;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Berth's default seccomp profile, in the spirit of Docker's: an allow-list with every other call failing with
 * EPERM, read from {@code default-profile.json} beside this class.
 *
 * <p>Denied are the calls that reach past a container's namespaces or need capabilities a default container
 * lacks: kernel modules, kexec, reboot, swap, clock setting, quotas, keyrings, bpf, perf, userfaultfd, io_uring,
 * mount and the new mount API, pivot_root, setns and unshare, open_by_handle_at, NUMA policy, the obsolete
 * uselib/ustat/sysfs/_sysctl/vm86 and the like. Three calls are allowed only by argument: {@code personality} for
 * PER_LINUX, PER_LINUX32, UNAME26 and the query 0xffffffff; {@code clone} without any CLONE_NEW* namespace flag;
 * {@code socket} for every family but AF_VSOCK. {@code clone3}, whose flags sit in memory a filter cannot read,
 * fails with ENOSYS so that libc falls back to {@code clone}. Unlike Docker's, the profile does not widen with
 * the container's capabilities.
 *
 * <p>Thread-safe; every call returns the same profile, which callers must not modify.
 */
public final class DefaultSeccompProfile {
    private static final RuntimeSpec.Seccomp PROFILE = load();

    private DefaultSeccompProfile() {}

    /** The default profile for this host: the architectures are the native one and its compat ABIs. */
    public static RuntimeSpec.Seccomp get() {
        return PROFILE;
    }

    /** The ABIs a process on a host of {@code nativeArch} can use, as Docker's archMap lists them. */
    static List<String> architectures(SeccompArch nativeArch) {
        switch (nativeArch) {
            case X86_64:
                return List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
            case AARCH64:
                return List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
            default:
                return List.of(nativeArch.scmpName);
        }
    }

    static RuntimeSpec.Seccomp forArch(SeccompArch nativeArch) {
        RuntimeSpec.Seccomp base = PROFILE;
        return new RuntimeSpec.Seccomp(base.defaultAction(), base.defaultErrnoRet(), architectures(nativeArch),
                base.flags(), base.listenerPath(), base.listenerMetadata(), base.syscalls());
    }

    private static RuntimeSpec.Seccomp load() {
        try (InputStream in = DefaultSeccompProfile.class.getResourceAsStream("default-profile.json")) {
            if (in == null) {
                throw new IllegalStateException("seccomp: default-profile.json is missing from the runtime jar");
            }
            RuntimeSpec.Seccomp parsed = RuntimeSpecs.JSON.readValue(in, RuntimeSpec.Seccomp.class);
            return new RuntimeSpec.Seccomp(parsed.defaultAction(), parsed.defaultErrnoRet(),
                    architectures(SeccompArch.nativeArch()), parsed.flags(), parsed.listenerPath(),
                    parsed.listenerMetadata(), List.copyOf(parsed.syscalls()));
        } catch (IOException e) {
            throw new UncheckedIOException("seccomp: cannot read default-profile.json", e);
        }
    }
}
