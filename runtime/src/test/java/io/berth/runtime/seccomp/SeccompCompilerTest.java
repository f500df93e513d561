package io.berth.runtime.seccomp;

import static io.berth.runtime.seccomp.Profiles.ALLOW;
import static io.berth.runtime.seccomp.Profiles.AUDIT_AARCH64;
import static io.berth.runtime.seccomp.Profiles.AUDIT_I386;
import static io.berth.runtime.seccomp.Profiles.AUDIT_X86_64;
import static io.berth.runtime.seccomp.Profiles.KILL_PROCESS;
import static io.berth.runtime.seccomp.Profiles.KILL_THREAD;
import static io.berth.runtime.seccomp.Profiles.LOG;
import static io.berth.runtime.seccomp.Profiles.arg;
import static io.berth.runtime.seccomp.Profiles.errno;
import static io.berth.runtime.seccomp.Profiles.errnoRule;
import static io.berth.runtime.seccomp.Profiles.masked;
import static io.berth.runtime.seccomp.Profiles.profile;
import static io.berth.runtime.seccomp.Profiles.rule;
import static io.berth.runtime.seccomp.Profiles.trace;
import static io.berth.runtime.seccomp.Profiles.verdict;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SeccompCompilerTest {
    private static final List<String> NATIVE_ONLY = null;

    private static SeccompProgram compile(RuntimeSpec.Seccomp profile) {
        return SeccompCompiler.compile(profile, SeccompArch.X86_64);
    }

    @Test
    void allowListReturnsTheDefaultActionForUnlistedCalls() {
        SeccompProgram p = compile(profile("SCMP_ACT_ERRNO", NATIVE_ONLY,
                rule("SCMP_ACT_ALLOW", List.of("read", "write", "exit_group"))));

        assertThat(verdict(p, SeccompArch.X86_64, "read")).isEqualTo(ALLOW);
        assertThat(verdict(p, SeccompArch.X86_64, "write")).isEqualTo(ALLOW);
        assertThat(verdict(p, SeccompArch.X86_64, "exit_group")).isEqualTo(ALLOW);
        assertThat(verdict(p, SeccompArch.X86_64, "mkdir")).isEqualTo(errno(1));
        assertThat(verdict(p, SeccompArch.X86_64, "getpid")).isEqualTo(errno(1));
    }

    @Test
    void callsNumberedAboveEveryNamedCallFailWithEnosysUnlessTheDefaultLetsCallsThrough() {
        // exit_group (231) is the highest call named; 232 and above are newer than this profile.
        for (String deny : List.of("SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP")) {
            SeccompProgram p = compile(profile(deny, NATIVE_ONLY,
                    rule("SCMP_ACT_ALLOW", List.of("read", "exit_group"))));
            assertThat(verdict(p, AUDIT_X86_64, 231)).isEqualTo(ALLOW);
            assertThat(verdict(p, AUDIT_X86_64, 230)).isEqualTo(ProfileOracle.action(deny, null));
            assertThat(verdict(p, AUDIT_X86_64, 232)).isEqualTo(errno(38));
            assertThat(verdict(p, AUDIT_X86_64, 999)).isEqualTo(errno(38));
            assertThat(verdict(p, AUDIT_X86_64, 0x3FFFFFFF)).isEqualTo(errno(38));
        }
        for (String through : List.of("SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_TRACE")) {
            SeccompProgram p = compile(profile(through, NATIVE_ONLY, errnoRule(5, List.of("read", "exit_group"))));
            assertThat(verdict(p, AUDIT_X86_64, 999)).isEqualTo(ProfileOracle.action(through, null));
        }
        SeccompProgram noRules = compile(profile("SCMP_ACT_ERRNO", NATIVE_ONLY));
        assertThat(verdict(noRules, AUDIT_X86_64, 999)).isEqualTo(errno(1));
    }

    @ParameterizedTest
    @CsvSource({
        "SCMP_ACT_KILL, 0x00000000",
        "SCMP_ACT_KILL_THREAD, 0x00000000",
        "SCMP_ACT_KILL_PROCESS, 0x80000000",
        "SCMP_ACT_TRAP, 0x00030000",
        "SCMP_ACT_ERRNO, 0x00050001",
        "SCMP_ACT_TRACE, 0x7ff00001",
        "SCMP_ACT_LOG, 0x7ffc0000",
        "SCMP_ACT_ALLOW, 0x7fff0000",
    })
    void eachActionReturnsItsSeccompValue(String action, String expected) {
        int value = Integer.parseUnsignedInt(expected.substring(2), 16);
        String other = action.equals("SCMP_ACT_ALLOW") ? "SCMP_ACT_LOG" : "SCMP_ACT_ALLOW";
        SeccompProgram asRule = compile(profile(other, NATIVE_ONLY, rule(action, List.of("mkdir"))));
        SeccompProgram asDefault = compile(profile(action, NATIVE_ONLY, rule(other, List.of("mkdir"))));

        assertThat(verdict(asRule, SeccompArch.X86_64, "mkdir")).isEqualTo(value);
        assertThat(verdict(asDefault, SeccompArch.X86_64, "getpid")).isEqualTo(value);
    }

    @Test
    void errnoRetAndDefaultErrnoRetSetTheReturnedErrno() {
        RuntimeSpec.Seccomp p = new RuntimeSpec.Seccomp("SCMP_ACT_ERRNO", 38, null, null, null, null, List.of(
                errnoRule(13, List.of("mkdir")),
                new RuntimeSpec.Syscall(List.of("ptrace"), "SCMP_ACT_TRACE", 42, null),
                rule("SCMP_ACT_ALLOW", List.of("getpid"))));
        SeccompProgram program = compile(p);

        assertThat(verdict(program, SeccompArch.X86_64, "mkdir")).isEqualTo(errno(13));
        assertThat(verdict(program, SeccompArch.X86_64, "ptrace")).isEqualTo(trace(42));
        assertThat(verdict(program, SeccompArch.X86_64, "rmdir")).isEqualTo(errno(38));
        assertThat(verdict(program, SeccompArch.X86_64, "getpid")).isEqualTo(ALLOW);
    }

    /** Boundaries of every operator on both 32-bit words of a 64-bit argument. */
    @ParameterizedTest(name = "{1} {0} {2} -> {3}")
    @CsvSource({
        "EQ, 0x100000005, 0x100000005, true",
        "EQ, 0x100000005, 0x000000005, false",
        "EQ, 0x100000005, 0x200000005, false",
        "EQ, 0x100000005, 0x100000004, false",
        "NE, 0x100000005, 0x100000005, false",
        "NE, 0x100000005, 0x000000005, true",
        "NE, 0x100000005, 0x100000006, true",
        "GT, 0x100000005, 0x100000006, true",
        "GT, 0x100000005, 0x100000005, false",
        "GT, 0x100000005, 0x200000000, true",
        "GT, 0x100000005, 0x0ffffffff, false",
        "GT, 0x100000005, 0x100000004, false",
        "GE, 0x100000005, 0x100000005, true",
        "GE, 0x100000005, 0x100000004, false",
        "GE, 0x100000005, 0x200000000, true",
        "GE, 0x100000005, 0x0ffffffff, false",
        "LT, 0x100000005, 0x100000004, true",
        "LT, 0x100000005, 0x100000005, false",
        "LT, 0x100000005, 0x0ffffffff, true",
        "LT, 0x100000005, 0x200000000, false",
        "LE, 0x100000005, 0x100000005, true",
        "LE, 0x100000005, 0x100000006, false",
        "LE, 0x100000005, 0x0ffffffff, true",
        "LE, 0x100000005, 0x200000000, false",
        "GT, 0xffffffffffffffff, 0xffffffffffffffff, false",
        "LT, 0x8000000000000000, 0x7fffffffffffffff, true",
        "GE, 0x8000000000000000, 0x7fffffffffffffff, false",
    })
    void comparesBothWordsOfA64BitArgumentUnsigned(String op, String value, String argument, boolean matches) {
        long v = Long.parseUnsignedLong(value.substring(2), 16);
        long a = Long.parseUnsignedLong(argument.substring(2), 16);
        SeccompProgram p = compile(profile("SCMP_ACT_ALLOW", NATIVE_ONLY,
                errnoRule(99, List.of("personality"), arg(3, op, v))));

        assertThat(verdict(p, SeccompArch.X86_64, "personality", 0, 0, 0, a))
                .isEqualTo(matches ? errno(99) : ALLOW);
    }

    @Test
    void maskedEqualComparesTheArgumentUnderTheMaskWithValueTwo() {
        long mask = 0x7E020000L | 0x10_0000_0000L;
        SeccompProgram p = compile(profile("SCMP_ACT_ERRNO", NATIVE_ONLY,
                rule("SCMP_ACT_ALLOW", List.of("clone"), masked(0, mask, 0))));

        assertThat(verdict(p, SeccompArch.X86_64, "clone", 0x11)).isEqualTo(ALLOW);
        assertThat(verdict(p, SeccompArch.X86_64, "clone", 0x11 | 0x00020000)).isEqualTo(errno(1)); // CLONE_NEWNS
        assertThat(verdict(p, SeccompArch.X86_64, "clone", 0x10_0000_0000L)).isEqualTo(errno(1));
        assertThat(verdict(p, SeccompArch.X86_64, "clone", 0x20_0000_0000L)).isEqualTo(ALLOW);

        SeccompProgram datum = compile(profile("SCMP_ACT_ALLOW", NATIVE_ONLY,
                errnoRule(7, List.of("kill"), masked(1, 0xFFL, 9))));
        assertThat(verdict(datum, SeccompArch.X86_64, "kill", 1, 0x109)).isEqualTo(errno(7));
        assertThat(verdict(datum, SeccompArch.X86_64, "kill", 1, 0x10)).isEqualTo(ALLOW);
    }

    @Test
    void aMaskedDatumOutsideItsMaskNeverMatches() {
        SeccompProgram p = compile(profile("SCMP_ACT_ALLOW", NATIVE_ONLY,
                errnoRule(7, List.of("kill"), masked(1, 0x0F, 0x10))));

        for (long sig = 0; sig < 64; sig++) {
            assertThat(verdict(p, SeccompArch.X86_64, "kill", 1, sig)).isEqualTo(ALLOW);
        }
    }

    @Test
    void conditionsOfOneRuleAreAndedAndRulesForOneCallAreOred() {
        SeccompProgram p = compile(profile("SCMP_ACT_ERRNO", NATIVE_ONLY,
                rule("SCMP_ACT_ALLOW", List.of("kill"), arg(0, "EQ", 1), arg(1, "EQ", 15)),
                rule("SCMP_ACT_ALLOW", List.of("kill"), arg(1, "EQ", 0)),
                rule("SCMP_ACT_ALLOW", List.of("kill"), arg(1, "GE", 100), arg(1, "LE", 200))));

        assertThat(verdict(p, SeccompArch.X86_64, "kill", 1, 15)).isEqualTo(ALLOW);
        assertThat(verdict(p, SeccompArch.X86_64, "kill", 2, 15)).isEqualTo(errno(1));
        assertThat(verdict(p, SeccompArch.X86_64, "kill", 1, 9)).isEqualTo(errno(1));
        assertThat(verdict(p, SeccompArch.X86_64, "kill", 77, 0)).isEqualTo(ALLOW);
        assertThat(verdict(p, SeccompArch.X86_64, "kill", 77, 150)).isEqualTo(ALLOW);
        assertThat(verdict(p, SeccompArch.X86_64, "kill", 77, 201)).isEqualTo(errno(1));
        assertThat(verdict(p, SeccompArch.X86_64, "kill", 77, 99)).isEqualTo(errno(1));
    }

    @Test
    void theFirstMatchingRuleForACallDecides() {
        SeccompProgram p = compile(profile("SCMP_ACT_ERRNO", NATIVE_ONLY,
                rule("SCMP_ACT_KILL_PROCESS", List.of("kill"), arg(1, "EQ", 9)),
                rule("SCMP_ACT_ALLOW", List.of("kill")),
                rule("SCMP_ACT_TRAP", List.of("kill"), arg(1, "EQ", 15))));

        assertThat(verdict(p, SeccompArch.X86_64, "kill", 1, 9)).isEqualTo(KILL_PROCESS);
        assertThat(verdict(p, SeccompArch.X86_64, "kill", 1, 15)).isEqualTo(ALLOW);
        assertThat(verdict(p, SeccompArch.X86_64, "kill", 1, 2)).isEqualTo(ALLOW);
    }

    @Test
    void aThirtyTwoBitAbiComparesItsZeroExtendedArgument() {
        SeccompProgram p = compile(profile("SCMP_ACT_ALLOW", List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86"),
                errnoRule(5, List.of("personality"), arg(0, "EQ", 0x1_0000_0008L)),
                errnoRule(6, List.of("personality"), arg(0, "GT", 0xFFFF_FFFEL)),
                errnoRule(7, List.of("personality"), arg(0, "NE", 0))));

        assertThat(verdict(p, SeccompArch.X86, "personality", 0x1_0000_0008L)).isEqualTo(errno(7));
        assertThat(verdict(p, SeccompArch.X86, "personality", 0xFFFF_FFFFL)).isEqualTo(errno(6));
        assertThat(verdict(p, SeccompArch.X86, "personality", 0x5_0000_0000L)).isEqualTo(ALLOW);
        assertThat(verdict(p, SeccompArch.X86_64, "personality", 0x1_0000_0008L)).isEqualTo(errno(5));
        assertThat(verdict(p, SeccompArch.X86_64, "personality", 0x5_0000_0000L)).isEqualTo(errno(6));
    }

    @Test
    void eachListedArchitectureUsesItsOwnNumbersAndOthersAreKilled() {
        SeccompProgram p = compile(profile("SCMP_ACT_ALLOW", List.of("SCMP_ARCH_X86"),
                errnoRule(13, List.of("mkdir"))));

        assertThat(verdict(p, AUDIT_X86_64, 83)).isEqualTo(errno(13)); // mkdir on x86_64
        assertThat(verdict(p, AUDIT_X86_64, 39)).isEqualTo(ALLOW); // getpid on x86_64
        assertThat(verdict(p, AUDIT_I386, 39)).isEqualTo(errno(13)); // mkdir on i386
        assertThat(verdict(p, AUDIT_I386, 83)).isEqualTo(ALLOW); // symlink on i386
        assertThat(verdict(p, AUDIT_AARCH64, 34)).isEqualTo(KILL_THREAD);
        assertThat(verdict(p, 0x12345678, 0)).isEqualTo(KILL_THREAD);
        assertThat(verdict(p, AUDIT_X86_64, 0x40000000 | 83)).isEqualTo(KILL_THREAD); // x32 not listed
        assertThat(verdict(p, AUDIT_X86_64, -1)).isEqualTo(ALLOW); // a tracer's skipped call is x86_64's
    }

    @Test
    void x32IsToldFromX86_64ByTheX32Bit() {
        SeccompProgram p = compile(profile("SCMP_ACT_ALLOW", List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X32"),
                errnoRule(13, List.of("mkdir")),
                errnoRule(14, List.of("getpid"), arg(0, "EQ", 0x1_0000_0000L))));

        assertThat(verdict(p, SeccompArch.X32, "mkdir")).isEqualTo(errno(13));
        assertThat(verdict(p, AUDIT_X86_64, 0x40000000 | 83)).isEqualTo(errno(13));
        assertThat(verdict(p, AUDIT_X86_64, 83)).isEqualTo(errno(13));
        assertThat(verdict(p, AUDIT_X86_64, 0x40000000 | 84)).isEqualTo(ALLOW);
        // x32's arguments are 64-bit registers, so the high word counts.
        assertThat(verdict(p, SeccompArch.X32, "getpid", 0x1_0000_0000L)).isEqualTo(errno(14));
        assertThat(verdict(p, SeccompArch.X32, "getpid", 0)).isEqualTo(ALLOW);
        assertThat(verdict(p, AUDIT_X86_64, -1)).isEqualTo(ALLOW);
    }

    @Test
    void aNameUnknownOnOneArchitectureIsSkippedThereAndUsedWhereKnown() {
        SeccompProgram p = compile(profile("SCMP_ACT_ALLOW", List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86"),
                errnoRule(13, List.of("socketcall", "mkdir"))));

        assertThat(verdict(p, SeccompArch.X86, "socketcall")).isEqualTo(errno(13));
        assertThat(verdict(p, SeccompArch.X86, "mkdir")).isEqualTo(errno(13));
        assertThat(verdict(p, SeccompArch.X86_64, "mkdir")).isEqualTo(errno(13));
        assertThat(verdict(p, AUDIT_X86_64, 102)).isEqualTo(ALLOW); // getuid; socketcall is 102 on i386

        // A name known only to an architecture not in the filter compiles too (runc's behaviour).
        SeccompProgram armOnly = compile(profile("SCMP_ACT_ERRNO", NATIVE_ONLY,
                rule("SCMP_ACT_ALLOW", List.of("arm_fadvise64_64", "read"))));
        assertThat(verdict(armOnly, SeccompArch.X86_64, "read")).isEqualTo(ALLOW);
    }

    @Test
    void onX86AnUnconditionalSocketOrIpcRuleAlsoCoversItsMultiplexedForm() {
        SeccompProgram p = compile(profile("SCMP_ACT_ALLOW", List.of("SCMP_ARCH_X86"),
                errnoRule(13, List.of("connect", "shmget")),
                errnoRule(14, List.of("socket"), arg(0, "EQ", 40)),
                errnoRule(15, List.of("recv"))));

        assertThat(verdict(p, SeccompArch.X86, "socketcall", 3)).isEqualTo(errno(13)); // SYS_CONNECT
        assertThat(verdict(p, SeccompArch.X86, "socketcall", 2)).isEqualTo(ALLOW); // SYS_BIND
        assertThat(verdict(p, SeccompArch.X86, "socketcall", 10)).isEqualTo(errno(15)); // SYS_RECV, no direct call
        assertThat(verdict(p, SeccompArch.X86, "connect")).isEqualTo(errno(13));
        assertThat(verdict(p, SeccompArch.X86, "ipc", 23)).isEqualTo(errno(13)); // SHMGET
        assertThat(verdict(p, SeccompArch.X86, "ipc", 0x1_0017)).isEqualTo(errno(13)); // version bits are ignored
        assertThat(verdict(p, SeccompArch.X86, "ipc", 21)).isEqualTo(ALLOW); // SHMAT
        // A conditional rule cannot see socketcall's arguments (they are in memory): direct call only.
        assertThat(verdict(p, SeccompArch.X86, "socket", 40)).isEqualTo(errno(14));
        assertThat(verdict(p, SeccompArch.X86, "socketcall", 1, 40)).isEqualTo(ALLOW);
        assertThat(verdict(p, SeccompArch.X86_64, "connect")).isEqualTo(errno(13));
        assertThat(verdict(p, SeccompArch.X86_64, "getuid")).isEqualTo(ALLOW); // 102, socketcall on i386
    }

    @Test
    void theOtherArchitecturesCompileWithTheirTables() {
        SeccompProgram p = compile(profile("SCMP_ACT_ERRNO", List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM",
                "SCMP_ARCH_RISCV64"), rule("SCMP_ACT_ALLOW", List.of("read", "set_tls", "riscv_flush_icache"))));

        assertThat(verdict(p, SeccompArch.AARCH64, "read")).isEqualTo(ALLOW);
        assertThat(verdict(p, SeccompArch.AARCH64, "openat")).isEqualTo(errno(1));
        assertThat(verdict(p, SeccompArch.AARCH64, "write")).isEqualTo(errno(38)); // above read, the last named
        assertThat(verdict(p, SeccompArch.ARM, "read")).isEqualTo(ALLOW);
        assertThat(verdict(p, SeccompArch.ARM, "set_tls")).isEqualTo(ALLOW);
        assertThat(verdict(p, SeccompArch.RISCV64, "riscv_flush_icache")).isEqualTo(ALLOW);
        assertThat(verdict(p, SeccompArch.RISCV64, "write")).isEqualTo(errno(1));
    }

    @Test
    void flagsMapToSeccompFilterFlags() {
        RuntimeSpec.Seccomp p = new RuntimeSpec.Seccomp("SCMP_ACT_ALLOW", null, null,
                List.of("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"), null, null, null);

        assertThat(compile(p).flags()).isEqualTo(1 | 2 | 4);
    }

    @Test
    void farJumpsInALargeProfileStayCorrect() {
        // Every call gets argument rules, so blocks between a jump and its target exceed 255 instructions.
        List<RuntimeSpec.Syscall> rules = new ArrayList<>();
        List<String> names = new ArrayList<>(SeccompArch.X86_64.numbers().keySet());
        names.sort(null);
        for (int i = 0; i < 200; i++) {
            rules.add(errnoRule(1 + i % 100, List.of(names.get(i)), arg(i % 6, "GT", i * 0x1_0000_0001L)));
        }
        RuntimeSpec.Seccomp profile = new RuntimeSpec.Seccomp("SCMP_ACT_ALLOW", null, null, null, null, null, rules);
        SeccompProgram p = compile(profile);

        assertThat(p.instructionCount()).isGreaterThan(1000);
        Random random = new Random(7);
        for (int i = 0; i < 200; i++) {
            int nr = SeccompArch.X86_64.number(names.get(i)).orElseThrow();
            for (long a : new long[] {i * 0x1_0000_0001L, i * 0x1_0000_0001L + 1, random.nextLong()}) {
                long[] args = new long[6];
                args[i % 6] = a;
                assertThat(verdict(p, AUDIT_X86_64, nr, args)).isEqualTo(
                        ProfileOracle.evaluate(profile, SeccompArch.X86_64, AUDIT_X86_64, nr, args));
            }
        }
    }

    @Test
    void rejectsNamesNoArchitectureKnowsNamingThePath() {
        assertThatThrownBy(() -> compile(profile("SCMP_ACT_ERRNO", NATIVE_ONLY,
                rule("SCMP_ACT_ALLOW", List.of("read")), rule("SCMP_ACT_ALLOW", List.of("write", "foo")))))
                .isInstanceOf(InvalidSeccompProfileException.class)
                .hasMessageStartingWith("$.linux.seccomp.syscalls[1].names[1]: unknown syscall 'foo' for architecture "
                        + "SCMP_ARCH_X86_64");
    }

    @Test
    void rejectsNotifyAndListeners() {
        assertThatThrownBy(() -> compile(profile("SCMP_ACT_ALLOW", NATIVE_ONLY,
                rule("SCMP_ACT_NOTIFY", List.of("mount")))))
                .hasMessageStartingWith("$.linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY is not supported");
        assertThatThrownBy(() -> compile(new RuntimeSpec.Seccomp("SCMP_ACT_ALLOW", null, null, null,
                "/run/agent.sock", null, null)))
                .hasMessageStartingWith("$.linux.seccomp.listenerPath: seccomp notification listeners are not supported");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "SCMP_ACT_NOPE | | SCMP_CMP_EQ | 0 | $.linux.seccomp.syscalls[0].action: unknown action 'SCMP_ACT_NOPE'",
        "SCMP_ACT_ALLOW | 5 | SCMP_CMP_EQ | 0 | $.linux.seccomp.syscalls[0].errnoRet: is only meaningful with SCMP_ACT_ERRNO",
        "SCMP_ACT_ERRNO | 4096 | SCMP_CMP_EQ | 0 | $.linux.seccomp.syscalls[0].errnoRet: must be an errno from 0 to 4095",
        "SCMP_ACT_ERRNO | | XX | 0 | $.linux.seccomp.syscalls[0].args[0].op: unknown operator 'XX'",
        "SCMP_ACT_ERRNO | | SCMP_CMP_EQ | 6 | $.linux.seccomp.syscalls[0].args[0].index: must be an argument index from 0 to 5",
    })
    void rejectsABadRuleNamingTheField(String action, Integer errnoRet, String op, int index, String message) {
        RuntimeSpec.Syscall rule = new RuntimeSpec.Syscall(List.of("kill"), action, errnoRet,
                List.of(new RuntimeSpec.SeccompArg(index, 1L, null, op)));

        assertThatThrownBy(() -> compile(profile("SCMP_ACT_ALLOW", NATIVE_ONLY, rule)))
                .isInstanceOf(InvalidSeccompProfileException.class)
                .hasMessageStartingWith(message);
    }

    @Test
    void rejectsBadTopLevelFieldsNamingThem() {
        assertThatThrownBy(() -> compile(profile(null, NATIVE_ONLY)))
                .hasMessage("$.linux.seccomp.defaultAction: is required");
        assertThatThrownBy(() -> compile(profile("SCMP_ACT_ALLOW", List.of("SCMP_ARCH_X86", "SCMP_ARCH_VAX"))))
                .hasMessageStartingWith("$.linux.seccomp.architectures[1]: unknown architecture 'SCMP_ARCH_VAX'");
        assertThatThrownBy(() -> compile(new RuntimeSpec.Seccomp("SCMP_ACT_ALLOW", null, null,
                List.of("SECCOMP_FILTER_FLAG_NEW_LISTENER"), null, null, null)))
                .hasMessageStartingWith("$.linux.seccomp.flags[0]: unsupported flag 'SECCOMP_FILTER_FLAG_NEW_LISTENER'");
        assertThatThrownBy(() -> compile(new RuntimeSpec.Seccomp("SCMP_ACT_KILL", 3, null, null, null, null, null)))
                .hasMessageStartingWith("$.linux.seccomp.defaultErrnoRet: is only meaningful with SCMP_ACT_ERRNO");
        assertThatThrownBy(() -> compile(profile("SCMP_ACT_ALLOW", NATIVE_ONLY,
                new RuntimeSpec.Syscall(List.of(), "SCMP_ACT_ERRNO", null, null))))
                .hasMessage("$.linux.seccomp.syscalls[0].names: must name at least one system call");
    }

    @Test
    void architecturesWithoutATableAreSkippedAndTheirProcessesKilled() {
        SeccompProgram p = compile(profile("SCMP_ACT_ALLOW", List.of("SCMP_ARCH_S390X")));

        assertThat(verdict(p, SeccompArch.X86_64, "read")).isEqualTo(ALLOW);
        assertThat(verdict(p, 0x80000016, 3)).isEqualTo(KILL_THREAD); // AUDIT_ARCH_S390X
    }

    @Test
    void compilingTheSameProfileGivesTheSameProgram() {
        RuntimeSpec.Seccomp p = DefaultSeccompProfile.forArch(SeccompArch.X86_64);

        assertThat(compile(p)).isEqualTo(compile(p)).hasSameHashCodeAs(compile(p));
        assertThat(compile(p).toString()).matches("SeccompProgram\\[\\d+ instructions, flags=0x0]");
    }

    @Test
    void theFilterIsLittleEndianSockFilters() {
        byte[] filter = compile(profile("SCMP_ACT_LOG", NATIVE_ONLY)).filter();

        // ld [4]: code 0x0020, jt 0, jf 0, k 4
        assertThat(filter).startsWith(0x20, 0x00, 0, 0, 4, 0, 0, 0);
        assertThat(verdict(compile(profile("SCMP_ACT_LOG", NATIVE_ONLY)), SeccompArch.X86_64, "read"))
                .isEqualTo(LOG);
    }
}
