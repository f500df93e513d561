package io.berth.runtime.seccomp;

import static io.berth.runtime.seccomp.Profiles.ALLOW;
import static io.berth.runtime.seccomp.Profiles.AUDIT_AARCH64;
import static io.berth.runtime.seccomp.Profiles.KILL_THREAD;
import static io.berth.runtime.seccomp.Profiles.errno;
import static io.berth.runtime.seccomp.Profiles.verdict;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefaultSeccompProfileTest {
    private static final int EPERM = 1;
    private static final int ENOSYS = 38;
    private static final long CLONE_NEWNS = 0x00020000;
    private static final long CLONE_NEWUSER = 0x10000000;
    private static final long SIGCHLD = 17;

    @TempDir
    static Path dir;
    private static SeccompProbe probe;
    private static SeccompProgram program;

    @BeforeAll
    static void setUp() throws Exception {
        probe = SeccompProbe.build(dir);
        program = SeccompCompiler.compile(DefaultSeccompProfile.forArch(SeccompArch.X86_64), SeccompArch.X86_64);
    }

    @Test
    void isSmallAndQuick() {
        // The number the report quotes; the bound catches a regression of the search or of return sharing.
        System.out.println("default profile: " + program.instructionCount() + " BPF instructions");
        assertThat(program.instructionCount()).isLessThan(320);
        BpfInterpreter filter = new BpfInterpreter(program.filter());
        int worst = 0;
        for (int nr : SeccompArch.X86_64.numbers().values()) {
            worst = Math.max(worst, filter.run(Profiles.data(Profiles.AUDIT_X86_64, nr)).steps());
        }
        System.out.println("default profile: at most " + worst + " instructions run for an x86_64 call without "
                + "argument rules");
        assertThat(worst).isLessThan(20);
    }

    @Test
    void allowsOrdinaryCallsAndDeniesPrivilegedOnesWithEperm() {
        for (String allowed : List.of("read", "write", "openat", "execve", "mmap", "futex", "exit_group", "getpid",
                "chroot", "sethostname", "ptrace", "seccomp")) {
            assertThat(verdict(program, SeccompArch.X86_64, allowed)).as(allowed).isEqualTo(ALLOW);
        }
        for (String denied : List.of("mount", "umount2", "pivot_root", "unshare", "setns", "init_module", "kexec_load",
                "reboot", "bpf", "perf_event_open", "keyctl", "open_by_handle_at", "userfaultfd", "io_uring_setup",
                "fsopen", "move_mount", "swapon", "settimeofday", "clock_settime")) {
            assertThat(verdict(program, SeccompArch.X86_64, denied)).as(denied).isEqualTo(errno(EPERM));
        }
        // Newer than every call the profile names: ENOSYS, as runc answers, so libc can fall back.
        assertThat(verdict(program, Profiles.AUDIT_X86_64, 999)).isEqualTo(errno(ENOSYS));
    }

    @Test
    void argumentRulesGuardPersonalityCloneAndSocket() {
        assertThat(verdict(program, SeccompArch.X86_64, "personality", 0)).isEqualTo(ALLOW);
        assertThat(verdict(program, SeccompArch.X86_64, "personality", 8)).isEqualTo(ALLOW);
        assertThat(verdict(program, SeccompArch.X86_64, "personality", 0xFFFFFFFFL)).isEqualTo(ALLOW);
        assertThat(verdict(program, SeccompArch.X86_64, "personality", 0x0040000)).isEqualTo(errno(EPERM));
        assertThat(verdict(program, SeccompArch.X86_64, "clone", SIGCHLD)).isEqualTo(ALLOW);
        assertThat(verdict(program, SeccompArch.X86_64, "clone", SIGCHLD | CLONE_NEWNS)).isEqualTo(errno(EPERM));
        assertThat(verdict(program, SeccompArch.X86_64, "clone", SIGCHLD | CLONE_NEWUSER)).isEqualTo(errno(EPERM));
        assertThat(verdict(program, SeccompArch.X86_64, "clone3")).isEqualTo(errno(ENOSYS));
        assertThat(verdict(program, SeccompArch.X86_64, "socket", 2)).isEqualTo(ALLOW);
        assertThat(verdict(program, SeccompArch.X86_64, "socket", 40)).isEqualTo(errno(EPERM));
    }

    @Test
    void coversTheCompatAbisOfTheHostAndKillsOthers() {
        assertThat(DefaultSeccompProfile.forArch(SeccompArch.X86_64).architectures())
                .containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
        assertThat(verdict(program, SeccompArch.X86, "socketcall")).isEqualTo(ALLOW);
        assertThat(verdict(program, SeccompArch.X86, "mount")).isEqualTo(errno(EPERM));
        assertThat(verdict(program, SeccompArch.X32, "read")).isEqualTo(ALLOW);
        assertThat(verdict(program, AUDIT_AARCH64, 63)).isEqualTo(KILL_THREAD);
        SeccompProgram arm = SeccompCompiler.compile(DefaultSeccompProfile.forArch(SeccompArch.AARCH64),
                SeccompArch.AARCH64);
        assertThat(verdict(arm, SeccompArch.AARCH64, "read")).isEqualTo(ALLOW);
        assertThat(verdict(arm, SeccompArch.ARM, "set_tls")).isEqualTo(ALLOW);
        assertThat(verdict(arm, SeccompArch.ARM, "mount")).isEqualTo(errno(EPERM));
    }

    @Test
    void busyboxShellWorksUnderItInTheKernel() throws Exception {
        Path made = dir.resolve("made");
        SeccompProbe.Result r = probe.exec(SeccompCompiler.compile(DefaultSeccompProfile.get()), "/bin/busybox", "sh",
                "-c", "mkdir " + made + " && ls -d " + made + " && grep Seccomp: /proc/self/status "
                        + "&& (/bin/busybox sleep 0 & wait) && echo done");

        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(r.lines()).containsExactly(made.toString(), "Seccomp:\t2", "done");
    }

    @Test
    void privilegedCallsFailInTheKernel() throws Exception {
        List<String> calls = new ArrayList<>();
        calls.add("64 272 0x20000 0 0 0 0 0"); // unshare(CLONE_NEWNS)
        calls.add("64 165 0 0 0 0 0 0"); // mount(NULL, ...)
        calls.add("64 435 0 0 0 0 0 0"); // clone3
        calls.add("64 135 0x40000 0 0 0 0 0"); // personality(ADDR_NO_RANDOMIZE)
        calls.add("64 135 0xffffffff 0 0 0 0 0"); // personality query
        calls.add("64 41 40 1 0 0 0 0"); // socket(AF_VSOCK, SOCK_STREAM)
        calls.add("32 26 0 0 0 0 0 0"); // i386 ptrace(PTRACE_TRACEME) is allowed, like on x86_64
        calls.add("64 999 0 0 0 0 0 0"); // newer than the profile: ENOSYS

        SeccompProbe.Result r = probe.calls(SeccompCompiler.compile(DefaultSeccompProfile.get()), calls);

        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(r.lines()).containsExactly("err 1", "err 1", "err 38", "err 1", "ok 0", "err 1", "ok 0", "err 38");
    }
}
