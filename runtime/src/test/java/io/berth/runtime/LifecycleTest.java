package io.berth.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LifecycleTest extends RuntimeTestSupport {
    @Test
    void runsTrueAndReportsExitZero() {
        Run r = run(bundle("true"));
        assertThat(r.exit()).isEqualTo(new ExitStatus(0, 0, false));
    }

    @Test
    void capturesStdoutAndExitCode() {
        Run r = sh("echo hello; echo oops >&2; exit 7");
        assertThat(r.out()).isEqualTo("hello\n");
        assertThat(r.err()).isEqualTo("oops\n");
        assertThat(r.exit().exitCode()).isEqualTo(7);
    }
}
