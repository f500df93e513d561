package io.berth.runtime.cgroup;

import io.berth.runtime.linux.Linux;
import io.berth.runtime.linux.SyscallException;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Loads a {@code BPF_PROG_TYPE_CGROUP_DEVICE} program and attaches it to a cgroup v2 directory with bpf(2).
 * The attachment keeps the program alive, so no file descriptor outlives a call.
 */
final class DeviceProgram {
    private static final int BPF_PROG_LOAD = 5;
    private static final int BPF_PROG_ATTACH = 8;
    private static final int BPF_PROG_DETACH = 9;
    private static final int BPF_PROG_GET_FD_BY_ID = 13;
    private static final int BPF_PROG_QUERY = 16;
    private static final int BPF_PROG_TYPE_CGROUP_DEVICE = 15;
    private static final int BPF_CGROUP_DEVICE = 6;
    /** Lets several programs sit on one cgroup, so a new one can go on before the old one comes off. */
    private static final int BPF_F_ALLOW_MULTI = 2;
    /** Large enough for every field of union bpf_attr this class sets; the kernel zero-fills the rest. */
    private static final int ATTR_SIZE = 128;
    private static final int EACCES = 13;
    private static final int EINVAL = 22;
    private static final int EPERM = 1;

    private DeviceProgram() {}

    /**
     * Loads {@code program} and attaches it to {@code dir}. Programs attached to it before (an update, or a
     * reused directory) are detached once the new one is on, so no moment lacks a device policy.
     */
    static void install(Path dir, byte[] program) {
        Linux linux = Linux.get();
        int cgroupFd = linux.open(dir.toString(), Linux.O_RDONLY | Linux.O_DIRECTORY, 0);
        try {
            int[] old = attachedIds(linux, cgroupFd, dir);
            int progFd = load(linux, program, dir);
            try {
                Pointer attr = attr();
                attr.putInt(0, cgroupFd);
                attr.putInt(4, progFd);
                attr.putInt(8, BPF_CGROUP_DEVICE);
                attr.putInt(12, BPF_F_ALLOW_MULTI);
                call(linux, BPF_PROG_ATTACH, attr, "attach the device program to " + dir);
            } finally {
                linux.closeQuietly(progFd);
            }
            for (int id : old) {
                detach(linux, cgroupFd, id, dir);
            }
        } finally {
            linux.closeQuietly(cgroupFd);
        }
    }

    /** The ids of the device programs attached directly to the cgroup. */
    static int[] attachedIds(Linux linux, int cgroupFd, Path dir) {
        int max = 64;
        Pointer ids = Memory.allocateDirect(Runtime.getSystemRuntime(), max * 4, true);
        Pointer attr = attr();
        attr.putInt(0, cgroupFd);
        attr.putInt(4, BPF_CGROUP_DEVICE);
        attr.putLong(16, ids.address());
        attr.putInt(24, max);
        call(linux, BPF_PROG_QUERY, attr, "list the device programs of " + dir);
        int[] out = new int[Math.min(attr.getInt(24), max)];
        for (int i = 0; i < out.length; i++) {
            out[i] = ids.getInt(i * 4L);
        }
        return out;
    }

    private static void detach(Linux linux, int cgroupFd, int id, Path dir) {
        Pointer attr = attr();
        attr.putInt(0, id);
        int progFd = call(linux, BPF_PROG_GET_FD_BY_ID, attr, "open device program " + id + " of " + dir);
        try {
            Pointer detach = attr();
            detach.putInt(0, cgroupFd);
            detach.putInt(4, progFd);
            detach.putInt(8, BPF_CGROUP_DEVICE);
            call(linux, BPF_PROG_DETACH, detach, "detach the old device program " + id + " from " + dir);
        } finally {
            linux.closeQuietly(progFd);
        }
    }

    /** Loads the program; when the verifier refuses it, loads it again with the log on to say why. */
    private static int load(Linux linux, byte[] program, Path dir) {
        Runtime rt = Runtime.getSystemRuntime();
        Pointer insns = Memory.allocateDirect(rt, program.length, true);
        insns.put(0, program, 0, program.length);
        byte[] licence = "Apache-2.0\0".getBytes(StandardCharsets.US_ASCII);
        Pointer license = Memory.allocateDirect(rt, licence.length, true);
        license.put(0, licence, 0, licence.length);
        Pointer attr = attr();
        attr.putInt(0, BPF_PROG_TYPE_CGROUP_DEVICE);
        attr.putInt(4, program.length / 8);
        attr.putLong(8, insns.address());
        attr.putLong(16, license.address());
        byte[] name = "berth_devices".getBytes(StandardCharsets.US_ASCII);
        attr.put(48, name, 0, name.length);
        try {
            return linux.bpf(BPF_PROG_LOAD, attr, ATTR_SIZE);
        } catch (SyscallException e) {
            if (e.errno() != EACCES && e.errno() != EINVAL) {
                throw failure("load the device program for " + dir, e);
            }
            int logSize = 1 << 16;
            Pointer log = Memory.allocateDirect(rt, logSize, true);
            attr.putInt(24, 1);
            attr.putInt(28, logSize);
            attr.putLong(32, log.address());
            try {
                int fd = linux.bpf(BPF_PROG_LOAD, attr, ATTR_SIZE);
                linux.closeQuietly(fd);
                throw failure("load the device program for " + dir + " (it loaded only with the verifier log on)",
                        e);
            } catch (SyscallException withLog) {
                throw new CgroupException("cannot load the device program for " + dir + ": " + withLog.getMessage()
                        + "; verifier log:\n" + log.getString(0, logSize, StandardCharsets.US_ASCII), dir, null,
                        withLog);
            }
        } finally {
            // the kernel reads these buffers through the addresses in attr, which the GC cannot see
            Reference.reachabilityFence(insns);
            Reference.reachabilityFence(license);
        }
    }

    private static int call(Linux linux, int cmd, Pointer attr, String what) {
        try {
            return linux.bpf(cmd, attr, ATTR_SIZE);
        } catch (SyscallException e) {
            throw failure(what, e);
        }
    }

    private static CgroupException failure(String what, SyscallException e) {
        String hint = e.errno() == EPERM
                ? "; bpf(2) needs CAP_BPF and CAP_SYS_ADMIN, or an ancestor cgroup has a program attached that"
                        + " forbids overriding it"
                : "";
        return new CgroupException("cannot " + what + ": " + e.getMessage() + hint, null, null, e);
    }

    private static Pointer attr() {
        return Memory.allocateDirect(Runtime.getSystemRuntime(), ATTR_SIZE, true);
    }
}
