package io.berth.runtime.seccomp;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import java.util.Arrays;
import java.util.List;

/** Terse builders for profiles in tests, and a way to ask a compiled filter for its verdict. */
final class Profiles {
    static final int AUDIT_X86_64 = 0xC000003E;
    static final int AUDIT_I386 = 0x40000003;
    static final int AUDIT_AARCH64 = 0xC00000B7;
    static final int AUDIT_ARM = 0x40000028;
    static final int AUDIT_RISCV64 = 0xC00000F3;

    static final int ALLOW = 0x7fff0000;
    static final int KILL_THREAD = 0;
    static final int KILL_PROCESS = 0x80000000;
    static final int TRAP = 0x00030000;
    static final int LOG = 0x7ffc0000;

    private Profiles() {}

    static int errno(int errno) {
        return 0x00050000 | errno;
    }

    static int trace(int message) {
        return 0x7ff00000 | message;
    }

    static RuntimeSpec.Seccomp profile(String defaultAction, List<String> arches, RuntimeSpec.Syscall... rules) {
        return new RuntimeSpec.Seccomp(defaultAction, null, arches, null, null, null, List.of(rules));
    }

    static RuntimeSpec.Syscall rule(String action, List<String> names, RuntimeSpec.SeccompArg... args) {
        return new RuntimeSpec.Syscall(names, action, null, args.length == 0 ? null : List.of(args));
    }

    static RuntimeSpec.Syscall errnoRule(int errno, List<String> names, RuntimeSpec.SeccompArg... args) {
        return new RuntimeSpec.Syscall(names, "SCMP_ACT_ERRNO", errno, args.length == 0 ? null : List.of(args));
    }

    static RuntimeSpec.SeccompArg arg(int index, String op, long value) {
        return new RuntimeSpec.SeccompArg(index, value, null, "SCMP_CMP_" + op);
    }

    static RuntimeSpec.SeccompArg masked(int index, long mask, long datum) {
        return new RuntimeSpec.SeccompArg(index, mask, datum, "SCMP_CMP_MASKED_EQ");
    }

    /** The filter's verdict for {@code syscall} of {@code arch} with the given arguments (missing ones are 0). */
    static int verdict(SeccompProgram program, SeccompArch arch, String syscall, long... args) {
        int nr = arch.number(syscall).orElseThrow(() -> new IllegalArgumentException(syscall + " on " + arch));
        return verdict(program, arch.auditArch, nr, args);
    }

    static int verdict(SeccompProgram program, int auditArch, int nr, long... args) {
        return new BpfInterpreter(program.filter()).run(data(auditArch, nr, args)).value();
    }

    static BpfInterpreter.Data data(int auditArch, int nr, long... args) {
        return new BpfInterpreter.Data(nr, auditArch, 0x7f0000001000L, Arrays.copyOf(args, 6));
    }
}
