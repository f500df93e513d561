package io.berth.runtime.seccomp;

import static io.berth.runtime.seccomp.Profiles.arg;
import static io.berth.runtime.seccomp.Profiles.profile;
import static io.berth.runtime.seccomp.Profiles.rule;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.protocol.oci.runtime.ContainerState;
import io.berth.protocol.oci.runtime.RuntimeSpec;
import io.berth.protocol.oci.runtime.RuntimeSpecs;
import io.berth.runtime.ContainerRuntime;
import io.berth.runtime.CreateOptions;
import io.berth.runtime.ExitStatus;
import io.berth.runtime.Stdio;
import io.berth.runtime.bundle.BusyboxBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Busybox containers run by Berth's runtime under compiled profiles: the filter is in force in the container. */
class SeccompContainerTest {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final int SIGSYS = 31;
    private static ContainerRuntime runtime;
    private static Path stateRoot;

    @TempDir
    Path tmp;

    @BeforeAll
    static void openRuntime() throws Exception {
        stateRoot = Files.createTempDirectory("berth-seccomp-test");
        runtime = ContainerRuntime.open(stateRoot);
    }

    @AfterEach
    void deleteLeftovers() {
        for (ContainerState s : runtime.list()) {
            runtime.delete(s.id(), true);
        }
    }

    @AfterAll
    static void closeRuntime() throws Exception {
        runtime.close();
        Files.deleteIfExists(stateRoot);
    }

    private record Run(ExitStatus exit, String out, String err) {}

    private Run run(RuntimeSpec.Seccomp seccomp, boolean noNewPrivileges, String... args) throws Exception {
        ObjectNode json = RuntimeSpecs.JSON.valueToTree(BusyboxBundle.defaultSpec(List.of(args)));
        ((ObjectNode) json.get("linux")).set("seccomp", RuntimeSpecs.JSON.valueToTree(seccomp));
        ((ObjectNode) json.get("process")).put("noNewPrivileges", noNewPrivileges);
        int n = SEQ.incrementAndGet();
        Path bundle = BusyboxBundle.create(tmp.resolve("bundle-" + n),
                RuntimeSpecs.JSON.convertValue(json, RuntimeSpec.class));
        String id = "seccomp-" + ProcessHandle.current().pid() + "-" + n;
        Path out = tmp.resolve(id + ".out");
        Path err = tmp.resolve(id + ".err");
        runtime.create(CreateOptions.of(id, bundle, Stdio.files(null, out, err)));
        try {
            runtime.start(id);
            ExitStatus exit = runtime.exitFuture(id).get(60, TimeUnit.SECONDS);
            return new Run(exit, Files.readString(out), Files.readString(err));
        } finally {
            runtime.delete(id, true);
        }
    }

    private Run sh(RuntimeSpec.Seccomp seccomp, String script) throws Exception {
        return run(seccomp, true, "sh", "-c", script);
    }

    @Test
    void aDeniedMkdirFailsWithEpermWhileTheRestOfTheContainerRuns() throws Exception {
        RuntimeSpec.Seccomp denyMkdir = profile("SCMP_ACT_ALLOW", null,
                rule("SCMP_ACT_ERRNO", List.of("mkdir", "mkdirat")));

        Run r = sh(denyMkdir, "mkdir /tmp/d; echo rc=$?; touch /tmp/f && echo touched");

        assertThat(r.out()).isEqualTo("rc=1\ntouched\n");
        assertThat(r.err()).contains("Operation not permitted");
        assertThat(r.exit().exitCode()).isZero();
    }

    @Test
    void theFilterIsInstalledAlsoWithoutNoNewPrivileges() throws Exception {
        RuntimeSpec.Seccomp denyMkdir = profile("SCMP_ACT_ALLOW", null,
                rule("SCMP_ACT_ERRNO", List.of("mkdir", "mkdirat")));

        Run r = run(denyMkdir, false, "sh", "-c",
                "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status; mkdir /tmp/d; echo rc=$?");

        assertThat(r.out()).isEqualTo("NoNewPrivs:\t0\nSeccomp:\t2\nrc=1\n");
    }

    @Test
    void killProcessEndsTheContainerBySigsys() throws Exception {
        RuntimeSpec.Seccomp killUname = profile("SCMP_ACT_ALLOW", null,
                rule("SCMP_ACT_KILL_PROCESS", List.of("uname")));

        Run r = run(killUname, true, "uname", "-a");

        assertThat(r.exit().signal()).isEqualTo(SIGSYS);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void anArgumentRuleDeniesSigkillButNotSigterm() throws Exception {
        RuntimeSpec.Seccomp denySigkill = profile("SCMP_ACT_ALLOW", null,
                rule("SCMP_ACT_ERRNO", List.of("kill"), arg(1, "EQ", 9)));

        Run r = sh(denySigkill, "sleep 30 & kill -9 $!; echo rc=$?; kill -15 $!; wait $!; echo status=$?");

        assertThat(r.out()).isEqualTo("rc=1\nstatus=143\n");
        assertThat(r.err()).contains("Operation not permitted");
    }

    @Test
    void personalityIsLimitedByItsArgument() throws Exception {
        RuntimeSpec.Seccomp onlyLinux = profile("SCMP_ACT_ALLOW", null,
                rule("SCMP_ACT_ERRNO", List.of("personality"), arg(0, "NE", 0), arg(0, "NE", 0xFFFFFFFFL)));

        Run r = sh(onlyLinux, "linux64 uname -m; linux32 uname -m; echo rc=$?");

        assertThat(r.out()).isEqualTo("x86_64\nrc=1\n");
        assertThat(r.err()).contains("Operation not permitted");
    }

    @Test
    void anInvalidProfileFailsCreateNamingTheFieldAndLeavesNothingBehind() throws Exception {
        RuntimeSpec.Seccomp bad = profile("SCMP_ACT_ALLOW", null, rule("SCMP_ACT_ERRNO", List.of("mkdir", "mkdri")));
        ObjectNode json = RuntimeSpecs.JSON.valueToTree(BusyboxBundle.defaultSpec(List.of("true")));
        ((ObjectNode) json.get("linux")).set("seccomp", RuntimeSpecs.JSON.valueToTree(bad));
        Path bundle = BusyboxBundle.create(tmp.resolve("bad"), RuntimeSpecs.JSON.convertValue(json, RuntimeSpec.class));

        assertThatThrownBy(() -> runtime.create(CreateOptions.of("seccomp-bad-" + SEQ.incrementAndGet(), bundle,
                Stdio.discard())))
                .isInstanceOf(InvalidSeccompProfileException.class)
                .hasMessageStartingWith("$.linux.seccomp.syscalls[0].names[1]: unknown syscall 'mkdri'");
        assertThat(runtime.list()).isEmpty();
    }

    @Test
    void theDefaultProfileRunsAnOrdinaryShellScript() throws Exception {
        Run r = sh(DefaultSeccompProfile.get(), "mkdir -p /tmp/a/b && echo hi > /tmp/a/b/f && cat /tmp/a/b/f "
                + "&& ls /tmp/a && (sleep 0 & wait) && ps -o comm | grep -x ps && grep Seccomp: /proc/self/status");

        assertThat(r.exit().exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("hi\nb\nps\nSeccomp:\t2\n");
    }
}
