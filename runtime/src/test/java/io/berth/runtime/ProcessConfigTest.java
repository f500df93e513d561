package io.berth.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** config.json's process section, hostname and domainname, seen from inside the container. */
class ProcessConfigTest extends RuntimeTestSupport {
    @Test
    void appliesEnvCwdUserAndAdditionalGids() {
        Run r = sh("echo $FOO; pwd; id -u; id -g; id -G", s -> {
            ObjectNode p = process(s);
            p.putArray("env").add("PATH=/bin:/usr/bin").add("FOO=bar");
            p.put("cwd", "/tmp");
            ObjectNode user = p.putObject("user").put("uid", 1000).put("gid", 1001);
            user.putArray("additionalGids").add(5).add(65534);
        });
        assertThat(r.out()).isEqualTo("bar\n/tmp\n1000\n1001\n1001 5 65534\n");
    }

    @Test
    void setsHostnameAndDomainname() {
        Run r = sh("hostname; cat /proc/sys/kernel/domainname", s -> s.put("hostname", "box").put("domainname", "example.org"));
        assertThat(r.out()).isEqualTo("box\nexample.org\n");
    }

    @Test
    void appliesRlimits() {
        Run r = sh("ulimit -n; ulimit -Hn; ulimit -c", s -> {
            ArrayNode rl = process(s).putArray("rlimits");
            rl.addObject().put("type", "RLIMIT_NOFILE").put("soft", 100).put("hard", 200);
            rl.addObject().put("type", "RLIMIT_CORE").put("soft", 0).put("hard", 0);
        });
        assertThat(r.out()).isEqualTo("100\n200\n0\n");
    }

    @Test
    void aHardRlimitAboveTheHostsFailsCreateNamingIt() {
        String id = newId();
        java.nio.file.Path b = bundle(List.of("true"), s -> process(s).putArray("rlimits").addObject()
                .put("type", "RLIMIT_NOFILE").put("soft", 1024).put("hard", 1L << 40));
        assertThatThrownBy(() -> runtime.create(CreateOptions.of(id, b, Stdio.discard())))
                .isInstanceOf(ContainerRuntimeException.class)
                .hasMessageContaining("rlimits: setrlimit RLIMIT_NOFILE soft=1024 hard=" + (1L << 40));
        assertThat(stateRoot.resolve(id)).doesNotExist();
    }

    @Test
    void appliesAllFiveCapabilitySetsForANonRootUser() {
        Run r = sh("grep ^Cap /proc/self/status", s -> {
            ObjectNode p = process(s);
            p.putObject("user").put("uid", 1000).put("gid", 1000);
            ObjectNode caps = p.putObject("capabilities");
            caps.putArray("bounding").add("CAP_CHOWN").add("CAP_KILL").add("CAP_NET_BIND_SERVICE");
            caps.putArray("effective").add("CAP_CHOWN").add("CAP_KILL");
            caps.putArray("permitted").add("CAP_CHOWN").add("CAP_KILL");
            caps.putArray("inheritable").add("CAP_CHOWN");
            caps.putArray("ambient").add("CAP_CHOWN");
        });
        // Across execve a non-root process keeps its ambient set as permitted and effective.
        assertThat(r.out()).isEqualTo("CapInh:\t0000000000000001\nCapPrm:\t0000000000000001\n"
                + "CapEff:\t0000000000000001\nCapBnd:\t0000000000000421\nCapAmb:\t0000000000000001\n");
    }

    @Test
    void rootGetsItsBoundingSetAsEffective() {
        Run r = sh("grep -E '^Cap(Eff|Bnd)' /proc/self/status");
        // runc's default: CAP_AUDIT_WRITE (29), CAP_KILL (5), CAP_NET_BIND_SERVICE (10)
        assertThat(r.out()).isEqualTo("CapEff:\t0000000020000420\nCapBnd:\t0000000020000420\n");
    }

    @Test
    void setsNoNewPrivileges() {
        assertThat(sh("grep NoNewPrivs /proc/self/status").out()).isEqualTo("NoNewPrivs:\t1\n");
        assertThat(sh("grep NoNewPrivs /proc/self/status", s -> process(s).put("noNewPrivileges", false)).out())
                .isEqualTo("NoNewPrivs:\t0\n");
    }

    @Test
    void setsOomScoreAdjAndUmask() {
        Run r = sh("cat /proc/self/oom_score_adj; umask", s -> {
            process(s).put("oomScoreAdj", 500);
            ((ObjectNode) process(s).get("user")).put("umask", 077);
        });
        assertThat(r.out()).isEqualTo("500\n0077\n");
    }

    @Test
    void looksTheExecutableUpInTheContainersPath() {
        Run r = run(bundle(List.of("echo", "found"), s -> process(s).putArray("env").add("PATH=/usr/bin:/bin")));
        assertThat(r.out()).isEqualTo("found\n");
    }

    @Test
    void aMissingExecutableFailsCreateNamingIt() {
        String id = newId();
        assertThatThrownBy(() -> runtime.create(CreateOptions.of(id, bundle("no-such-binary"), Stdio.discard())))
                .isInstanceOf(ContainerRuntimeException.class)
                .hasMessageContaining("no-such-binary").hasMessageContaining("PATH");
        assertThat(stateRoot.resolve(id)).doesNotExist();
    }
}
