package io.berth.runtime.seccomp;

import static io.berth.runtime.seccomp.Profiles.arg;
import static io.berth.runtime.seccomp.Profiles.errnoRule;
import static io.berth.runtime.seccomp.Profiles.masked;
import static io.berth.runtime.seccomp.Profiles.profile;
import static io.berth.runtime.seccomp.Profiles.rule;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiled filters installed in the real kernel (x86_64 host): each action, each comparison, the i386 and x32
 * ABIs and far jumps, checked by making the system calls.
 */
class SeccompKernelTest {
    private static final int SIGSYS_EXIT = 128 + 31;
    private static final int ENOSYS = 38;
    private static final List<String> NATIVE_ONLY = null;
    private static final List<String> PROBE_NEEDS = List.of("read", "write", "fstat", "newfstatat", "lseek", "brk",
            "mmap", "munmap", "exit_group", "exit");

    @TempDir
    static Path dir;
    private static SeccompProbe probe;

    @BeforeAll
    static void buildProbe() throws Exception {
        probe = SeccompProbe.build(dir);
    }

    private static String call64(String name, long... args) {
        return call("64", SeccompArch.X86_64.number(name).orElseThrow(), args);
    }

    private static String call(String abi, int nr, long... args) {
        long[] six = java.util.Arrays.copyOf(args, 6);
        StringBuilder line = new StringBuilder(abi).append(' ').append(nr);
        for (long a : six) {
            line.append(" 0x").append(Long.toHexString(a));
        }
        return line.toString();
    }

    @Test
    void anErrnoRuleFailsTheCallWithItsErrnoAndTheRestRun() throws Exception {
        SeccompProgram p = SeccompCompiler.compile(profile("SCMP_ACT_ALLOW", NATIVE_ONLY,
                errnoRule(13, List.of("getppid"))));

        SeccompProbe.Result r = probe.calls(p, List.of(call64("getppid"), call64("getpid")));

        assertThat(r.exit()).isZero();
        assertThat(r.lines().get(0)).isEqualTo("err 13");
        assertThat(r.lines().get(1)).matches("ok [1-9][0-9]*");
    }

    @Test
    void killProcessTrapAndKillThreadEndTheProcessBySigsys() throws Exception {
        for (String action : List.of("SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL",
                "SCMP_ACT_TRAP")) {
            SeccompProgram p = SeccompCompiler.compile(profile("SCMP_ACT_ALLOW", NATIVE_ONLY,
                    rule(action, List.of("getppid"), arg(0, "EQ", 9))));

            SeccompProbe.Result r = probe.calls(p, List.of(call64("getppid", 8), call64("getppid", 9),
                    call64("getpid")));

            assertThat(r.exit()).as(action).isEqualTo(SIGSYS_EXIT);
            assertThat(r.lines()).as(action).hasSize(1).allMatch(l -> l.startsWith("ok "));
        }
    }

    @Test
    void traceWithoutATracerFailsWithEnosysAndLogAllows() throws Exception {
        SeccompProgram p = SeccompCompiler.compile(profile("SCMP_ACT_ALLOW", NATIVE_ONLY,
                rule("SCMP_ACT_TRACE", List.of("getppid")), rule("SCMP_ACT_LOG", List.of("getpid"))));

        SeccompProbe.Result r = probe.calls(p, List.of(call64("getppid"), call64("getpid")));

        assertThat(r.lines().get(0)).isEqualTo("err " + ENOSYS);
        assertThat(r.lines().get(1)).matches("ok [1-9][0-9]*");
    }

    @Test
    void everyComparisonOfBothArgumentWordsHoldsInTheKernel() throws Exception {
        long v = 0x1_0000_0005L;
        List<String> names = List.of("getppid", "getpid", "gettid");
        String[] ops = {"EQ", "NE", "LT", "LE", "GE", "GT"};
        long[] probes = {v, v - 1, v + 1, 5, 0x2_0000_0000L, 0x0_FFFF_FFFFL, 0x1_0000_0000L, -1L};
        for (int o = 0; o < ops.length; o += 3) {
            List<RuntimeSpec.Syscall> rules = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                rules.add(errnoRule(20 + o + i, List.of(names.get(i)), arg(1 + i, ops[o + i], v)));
            }
            RuntimeSpec.Seccomp profile = new RuntimeSpec.Seccomp("SCMP_ACT_ALLOW", null, null, null, null, null, rules);
            List<String> calls = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                for (long a : probes) {
                    long[] args = new long[6];
                    args[1 + i] = a;
                    calls.add(call64(names.get(i), args));
                    expected.add(expectedLine(profile, Profiles.AUDIT_X86_64,
                            SeccompArch.X86_64.number(names.get(i)).orElseThrow(), args));
                }
            }
            assertTranscript(profile, calls, expected);
        }
        RuntimeSpec.Seccomp maskedProfile = profile("SCMP_ACT_ALLOW", NATIVE_ONLY,
                errnoRule(30, List.of("getppid"), masked(5, 0xF0_0000_00F0L, 0x10_0000_0020L)));
        List<String> calls = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (long a : new long[] {0x10_0000_0020L, 0x1F_0000_002FL, 0x20_0000_0020L, 0x10_0000_0030L, 0}) {
            long[] args = {0, 0, 0, 0, 0, a};
            calls.add(call64("getppid", args));
            expected.add(expectedLine(maskedProfile, Profiles.AUDIT_X86_64, 110, args));
        }
        assertThat(expected).containsExactly("err 30", "err 30", "ok", "ok", "ok");
        assertTranscript(maskedProfile, calls, expected);
    }

    @Test
    void i386CallsAreDecidedByTheI386SectionOrKilledWhenX86IsNotListed() throws Exception {
        RuntimeSpec.Seccomp withX86 = profile("SCMP_ACT_ALLOW", List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86"),
                errnoRule(21, List.of("getppid"), arg(0, "GT", 7)));
        SeccompProbe.Result r = probe.calls(SeccompCompiler.compile(withX86), List.of(
                call("32", SeccompProbe.I386_GETPPID, 8), call("32", SeccompProbe.I386_GETPPID, 7),
                call("32", SeccompProbe.I386_GETPID, 8), call64("getppid", 8), call64("getpid", 8)));
        assertThat(r.lines()).hasSize(5);
        assertThat(r.lines().get(0)).isEqualTo("err 21");
        assertThat(r.lines().subList(1, 3)).allMatch(l -> l.matches("ok [1-9][0-9]*"));
        assertThat(r.lines().get(3)).isEqualTo("err 21");
        assertThat(r.lines().get(4)).matches("ok [1-9][0-9]*");

        RuntimeSpec.Seccomp nativeOnly = profile("SCMP_ACT_ALLOW", NATIVE_ONLY, errnoRule(21, List.of("getppid")));
        SeccompProbe.Result killed = probe.calls(SeccompCompiler.compile(nativeOnly), List.of(
                call64("getpid"), call("32", SeccompProbe.I386_GETPID)));
        assertThat(killed.exit()).isEqualTo(SIGSYS_EXIT);
        assertThat(killed.lines()).hasSize(1);
    }

    @Test
    void i386SocketcallAndIpcAreCoveredByRulesForTheCallsTheyMultiplex() throws Exception {
        SeccompProgram p = SeccompCompiler.compile(profile("SCMP_ACT_ALLOW", List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86"),
                errnoRule(23, List.of("connect", "shmget"))));

        SeccompProbe.Result r = probe.calls(p, List.of(call("32", 102, 3), call("32", 117, 23),
                call("32", 117, 0x1_0017), call("32", 362), call("32", 102, 99)));

        // socketcall(99) reaches the kernel, which rejects the unknown call with EINVAL.
        assertThat(r.lines()).containsExactly("err 23", "err 23", "err 23", "err 23", "err 22");
    }

    @Test
    void x32CallsAreKilledUnlessX32IsListed() throws Exception {
        int getppid = SeccompArch.X32.number("getppid").orElseThrow() & ~SeccompArch.X32_SYSCALL_BIT;
        SeccompProbe.Result killed = probe.calls(SeccompCompiler.compile(profile("SCMP_ACT_ALLOW", NATIVE_ONLY)),
                List.of(call64("getpid"), call("x32", getppid)));
        assertThat(killed.exit()).isEqualTo(SIGSYS_EXIT);
        assertThat(killed.lines()).hasSize(1);

        SeccompProgram listed = SeccompCompiler.compile(profile("SCMP_ACT_ALLOW",
                List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X32"), errnoRule(22, List.of("getppid"))));
        SeccompProbe.Result r = probe.calls(listed, List.of(call("x32", getppid), call64("getppid")));
        assertThat(r.lines()).containsExactly("err 22", "err 22");
    }

    @Test
    void randomProfilesDecideInTheKernelAsTheProfileSays() throws Exception {
        Random random = new Random(20261128);
        String[] actions = {"SCMP_ACT_ERRNO", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_ERRNO",
            "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP"};
        String[] ops = {"NE", "LT", "LE", "EQ", "GE", "GT"};
        long[] values = {0, 1, 7, 0xFFFF_FFFFL, 0x1_0000_0000L, 0x1_0000_0007L, -1L};
        String[] names = {"getppid", "getpid", "gettid"};
        int[] i386 = {SeccompProbe.I386_GETPPID, SeccompProbe.I386_GETPID, 224};
        for (int round = 0; round < 100; round++) {
            List<RuntimeSpec.Syscall> rules = new ArrayList<>();
            for (int i = random.nextInt(6); i > 0; i--) {
                String action = actions[random.nextInt(actions.length)];
                List<RuntimeSpec.SeccompArg> args = new ArrayList<>();
                for (int c = random.nextInt(3); c > 0; c--) {
                    args.add(random.nextInt(5) == 0
                            ? masked(random.nextInt(6), values[random.nextInt(values.length)], 0)
                            : arg(random.nextInt(6), ops[random.nextInt(ops.length)], values[random.nextInt(values.length)]));
                }
                rules.add(new RuntimeSpec.Syscall(List.of(names[random.nextInt(3)]), action,
                        action.equals("SCMP_ACT_ERRNO") ? 1 + random.nextInt(100) : null, args.isEmpty() ? null : args));
            }
            // The probe's own stdio and exit must keep working under an ERRNO default.
            rules.add(rule("SCMP_ACT_ALLOW", PROBE_NEEDS));
            RuntimeSpec.Seccomp profile = new RuntimeSpec.Seccomp(random.nextBoolean() ? "SCMP_ACT_ALLOW" : "SCMP_ACT_ERRNO",
                    null, List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86"), null, null, null, rules);
            List<String> calls = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            for (int c = 0; c < 12; c++) {
                int which = random.nextInt(3);
                boolean compat = random.nextInt(4) == 0;
                long[] args = new long[6];
                for (int a = 0; a < 6; a++) {
                    args[a] = values[random.nextInt(values.length)] + random.nextInt(3) - 1;
                    if (compat) {
                        args[a] &= 0xFFFF_FFFFL;
                    }
                }
                int nr = compat ? i386[which] : SeccompArch.X86_64.number(names[which]).orElseThrow();
                calls.add(call(compat ? "32" : "64", nr, args));
                expected.add(expectedLine(profile, compat ? Profiles.AUDIT_I386 : Profiles.AUDIT_X86_64, nr, args));
            }
            assertTranscript(profile, calls, expected);
        }
    }

    @Test
    void aFilterWithFarJumpsLoadsAndDecides() throws Exception {
        List<RuntimeSpec.Syscall> rules = new ArrayList<>();
        List<String> all = new ArrayList<>(SeccompArch.X86_64.numbers().keySet());
        all.sort(null);
        all.removeAll(List.of("getppid", "getpid", "exit_group", "exit", "write", "read", "fstat", "newfstatat",
                "brk", "mmap", "munmap"));
        for (int i = 0; i < 150; i++) {
            rules.add(errnoRule(1 + i, List.of(all.get(i)), arg(0, "EQ", i), arg(1, "NE", i)));
        }
        rules.add(errnoRule(77, List.of("getppid"), arg(2, "GE", 0x5_0000_0000L)));
        RuntimeSpec.Seccomp profile = new RuntimeSpec.Seccomp("SCMP_ACT_ALLOW", null,
                List.of("SCMP_ARCH_X86", "SCMP_ARCH_X32"), null, null, null, rules);
        SeccompProgram p = SeccompCompiler.compile(profile);
        assertThat(p.instructionCount()).isGreaterThan(2 * 255);

        SeccompProbe.Result r = probe.calls(p, List.of(call64("getppid", 0, 0, 0x5_0000_0000L),
                call64("getppid", 0, 0, 0x4_FFFF_FFFFL), call64("getpid")));
        assertThat(r.exit()).isZero();
        assertThat(r.lines().get(0)).isEqualTo("err 77");
        assertThat(r.lines().subList(1, 3)).allMatch(l -> l.matches("ok [1-9][0-9]*"));
    }

    @Test
    void theKernelAcceptsTheSupportedFlags() throws Exception {
        SeccompProgram p = SeccompCompiler.compile(new RuntimeSpec.Seccomp("SCMP_ACT_ALLOW", null, null,
                List.of("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"), null, null, null));

        SeccompProbe.Result r = probe.calls(p, List.of(call64("getpid")));

        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(r.lines()).hasSize(1);
    }

    @Test
    void busyboxMkdirIsDeniedWithEperm() throws Exception {
        Path target = dir.resolve("made-by-busybox");
        SeccompProgram p = SeccompCompiler.compile(profile("SCMP_ACT_ALLOW", NATIVE_ONLY,
                rule("SCMP_ACT_ERRNO", List.of("mkdir", "mkdirat"))));

        SeccompProbe.Result mkdir = probe.exec(p, "/bin/busybox", "mkdir", target.toString());
        SeccompProbe.Result echo = probe.exec(p, "/bin/busybox", "echo", "still here");

        assertThat(mkdir.exit()).isEqualTo(1);
        assertThat(mkdir.stderr()).contains("Operation not permitted");
        assertThat(Files.exists(target)).isFalse();
        assertThat(echo.exit()).isZero();
        assertThat(echo.lines()).containsExactly("still here");
    }

    @Test
    void busyboxKillIsDeniedForSigkillOnlyByAnArgumentRule() throws Exception {
        SeccompProgram p = SeccompCompiler.compile(profile("SCMP_ACT_ALLOW", NATIVE_ONLY,
                rule("SCMP_ACT_ERRNO", List.of("kill"), arg(1, "EQ", 9))));
        Process sleeper = new ProcessBuilder("/bin/busybox", "sleep", "60").start();
        try {
            String pid = Long.toString(sleeper.pid());
            SeccompProbe.Result sigkill = probe.exec(p, "/bin/busybox", "kill", "-9", pid);
            assertThat(sigkill.exit()).isEqualTo(1);
            assertThat(sigkill.stderr()).contains("Operation not permitted");
            assertThat(sleeper.isAlive()).isTrue();

            SeccompProbe.Result sigterm = probe.exec(p, "/bin/busybox", "kill", "-15", pid);
            assertThat(sigterm.exit()).isZero();
            assertThat(sleeper.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(sleeper.exitValue()).isEqualTo(128 + 15);
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void busyboxLinux32IsDeniedByAPersonalityArgumentRule() throws Exception {
        // Docker's rule shape: personality only for PER_LINUX (0) and the query value 0xffffffff.
        SeccompProgram p = SeccompCompiler.compile(profile("SCMP_ACT_ALLOW", NATIVE_ONLY,
                rule("SCMP_ACT_ERRNO", List.of("personality"), arg(0, "NE", 0), arg(0, "NE", 0xFFFFFFFFL))));

        SeccompProbe.Result linux32 = probe.exec(p, "/bin/busybox", "linux32", "/bin/busybox", "uname", "-m");
        SeccompProbe.Result linux64 = probe.exec(p, "/bin/busybox", "linux64", "/bin/busybox", "uname", "-m");

        assertThat(linux32.exit()).isNotZero();
        assertThat(linux32.stderr()).contains("Operation not permitted");
        assertThat(linux64.exit()).isZero();
        assertThat(linux64.lines()).containsExactly("x86_64");
    }

    /** The probe line the profile calls for: "ok" (any success), "ok 0" for errno 0, "err N", or "kill". */
    private static String expectedLine(RuntimeSpec.Seccomp profile, int audit, int nr, long[] args) {
        int action = ProfileOracle.evaluate(profile, SeccompArch.X86_64, audit, nr, args);
        int kind = action & 0xFFFF0000;
        int data = action & 0xFFFF;
        if (action == Profiles.ALLOW || action == Profiles.LOG) {
            return "ok";
        } else if (kind == 0x00050000) {
            return data == 0 ? "ok 0" : "err " + data;
        } else if (kind == 0x7ff00000) {
            return "err " + ENOSYS;
        }
        return "kill";
    }

    private static void assertTranscript(RuntimeSpec.Seccomp profile, List<String> calls, List<String> expected)
            throws Exception {
        SeccompProbe.Result r = probe.calls(SeccompCompiler.compile(profile), calls);
        int killedAt = expected.indexOf("kill");
        List<String> live = killedAt < 0 ? expected : expected.subList(0, killedAt);
        assertThat(r.lines()).as("%s\n%s", profile, calls).hasSize(live.size());
        for (int i = 0; i < live.size(); i++) {
            String want = live.get(i);
            String got = r.lines().get(i);
            if (want.equals("ok")) {
                assertThat(got).as("%s\n%s", profile, calls.get(i)).matches("ok [1-9][0-9]*");
            } else {
                assertThat(got).as("%s\n%s", profile, calls.get(i)).isEqualTo(want);
            }
        }
        assertThat(r.exit()).as("%s\n%s", profile, calls).isEqualTo(killedAt < 0 ? 0 : SIGSYS_EXIT);
    }
}
