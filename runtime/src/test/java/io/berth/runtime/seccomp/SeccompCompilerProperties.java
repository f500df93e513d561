package io.berth.runtime.seccomp;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** For random profiles and random system calls, the compiled filter decides exactly as the profile says. */
class SeccompCompilerProperties {
    private static final List<String> ACTIONS = List.of("SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD",
            "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",
            "SCMP_ACT_LOG");
    private static final List<String> OPS = List.of("SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
            "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ");
    private static final List<String> ARCHES = List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
            "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_RISCV64", "SCMP_ARCH_PPC64LE");
    /** Names shared by all ABIs, some of one ABI only, neighbours in number, and calls that share a number. */
    private static final List<String> NAMES = List.of("read", "write", "openat", "close", "mmap", "kill", "clone",
            "personality", "mkdirat", "getpid", "getppid", "socket", "ioctl", "futex", "exit_group", "clone3",
            "mkdir", "open", "fork", "socketcall", "_llseek", "waitpid", "set_tls", "arm_fadvise64_64",
            "arm_sync_file_range", "sync_file_range2", "riscv_flush_icache", "cachestat", "file_setattr",
            "io_setup", "io_destroy", "restart_syscall", "rt_sigreturn", "connect", "recv", "shmget", "semop", "ipc");
    private static final List<Integer> AUDIT = List.of(0xC000003E, 0x40000003, 0xC00000B7, 0x40000028,
            0xC00000F3, 0x80000015);
    private static final List<Long> EDGES = List.of(0L, 1L, 2L, 9L, 0x7FFFFFFFL, 0x80000000L, 0xFFFFFFFFL,
            0x1_0000_0000L, 0x1_0000_0001L, 0xFFFF_FFFF_0000_0000L, 0x8000_0000_0000_0000L, -1L, 0x7E020000L, 23L, 0x1_0017L);

    @Property(tries = 400)
    void filterVerdictEqualsTheProfilesOwnDecision(@ForAll("profiles") RuntimeSpec.Seccomp profile,
            @ForAll("queries") List<Query> queries) {
        SeccompProgram program = SeccompCompiler.compile(profile, SeccompArch.X86_64);
        BpfInterpreter filter = new BpfInterpreter(program.filter());

        for (Query q : queries) {
            assertThat(filter.run(Profiles.data(q.audit(), q.nr(), q.args())).value())
                    .as("%s", q)
                    .isEqualTo(ProfileOracle.evaluate(profile, SeccompArch.X86_64, q.audit(), q.nr(), q.args()));
        }
    }

    @Property(tries = 30)
    void largeProfilesNeedingFarJumpsStayCorrect(@ForAll("largeProfiles") RuntimeSpec.Seccomp profile,
            @ForAll("queries") List<Query> queries) {
        SeccompProgram program = SeccompCompiler.compile(profile, SeccompArch.X86_64);
        BpfInterpreter filter = new BpfInterpreter(program.filter());

        for (Query q : queries) {
            assertThat(filter.run(Profiles.data(q.audit(), q.nr(), q.args())).value())
                    .as("%s", q)
                    .isEqualTo(ProfileOracle.evaluate(profile, SeccompArch.X86_64, q.audit(), q.nr(), q.args()));
        }
    }

    record Query(int audit, int nr, long[] args) {
        @Override
        public String toString() {
            StringBuilder s = new StringBuilder(String.format("arch=%08x nr=%d args=", audit, nr));
            for (long a : args) {
                s.append(Long.toHexString(a)).append(' ');
            }
            return s.toString();
        }
    }

    @Provide
    Arbitrary<RuntimeSpec.Seccomp> profiles() {
        return profiles(0, 12, 3, 4, Arbitraries.of(NAMES));
    }

    @Provide
    Arbitrary<RuntimeSpec.Seccomp> largeProfiles() {
        List<String> all = new ArrayList<>(SeccompArch.X86_64.numbers().keySet());
        all.addAll(NAMES);
        // Up to 4096 instructions: enough argument rules that blocks outgrow the 255-instruction jump reach.
        return profiles(60, 120, 2, 2, Arbitraries.of(all));
    }

    private static Arbitrary<RuntimeSpec.Seccomp> profiles(int minRules, int maxRules, int maxConditions,
            int maxArches, Arbitrary<String> names) {
        Arbitrary<RuntimeSpec.Syscall> rule = Combinators.combine(
                names.list().ofMinSize(1).ofMaxSize(3),
                actions(),
                conditions().list().ofMaxSize(maxConditions))
                .as((n, action, args) -> new RuntimeSpec.Syscall(n, action.name(), action.data(),
                        args.isEmpty() ? null : args));
        return Combinators.combine(actions(), Arbitraries.of(ARCHES).list().ofMaxSize(maxArches),
                rule.list().ofMinSize(minRules).ofMaxSize(maxRules))
                .as((def, arches, rules) -> new RuntimeSpec.Seccomp(def.name(), def.data(), arches, null, null, null,
                        rules));
    }

    private record Action(String name, Integer data) {}

    private static Arbitrary<Action> actions() {
        return Combinators.combine(Arbitraries.of(ACTIONS), Arbitraries.integers().between(0, 4095).injectNull(0.5))
                .as((name, data) -> new Action(name,
                        name.equals("SCMP_ACT_ERRNO") || name.equals("SCMP_ACT_TRACE") ? data : null));
    }

    private static Arbitrary<RuntimeSpec.SeccompArg> conditions() {
        return Combinators.combine(Arbitraries.integers().between(0, 5), Arbitraries.of(OPS), values(), values())
                .as((index, op, value, two) -> new RuntimeSpec.SeccompArg(index, value,
                        op.equals("SCMP_CMP_MASKED_EQ") ? value & two : two, op));
    }

    private static Arbitrary<Long> values() {
        return Arbitraries.oneOf(Arbitraries.of(EDGES).flatMap(v -> Arbitraries.of(v, v + 1, v - 1)),
                Arbitraries.longs());
    }

    @Provide
    Arbitrary<List<Query>> queries() {
        Arbitrary<Integer> audit = Arbitraries.of(AUDIT);
        Arbitrary<Integer> nr = Arbitraries.oneOf(
                Combinators.combine(Arbitraries.of(SeccompArch.values()), Arbitraries.of(NAMES))
                        .as((arch, name) -> arch.number(name).orElse(0)),
                Arbitraries.of(SeccompArch.X86_64.numbers().values().toArray(Integer[]::new)),
                Arbitraries.integers().between(0, 600),
                Arbitraries.integers().between(0, 600).map(n -> n | 0x40000000),
                Arbitraries.of(-1, 0x3FFFFFFF, 0x000F0005));
        Arbitrary<long[]> args = values().array(long[].class).ofSize(6);
        return Combinators.combine(audit, nr, args).as(Query::new).list().ofMinSize(20).ofMaxSize(40);
    }
}
