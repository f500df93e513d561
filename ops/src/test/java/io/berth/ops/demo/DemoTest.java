package io.berth.ops.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.ops.Berth;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code berth demo} as a newcomer runs it: three web servers healthy, a page from each, and a signal (a real
 * SIGTERM to this JVM, handled as Ctrl-C's SIGINT is) stopping the containers and removing the demo's state.
 */
class DemoTest {

    /** What the demo printed so far; written by the demo's thread, read by the test's. */
    private static final class Captured extends Writer {
        private final StringBuffer text = new StringBuffer();

        @Override
        public void write(char[] cbuf, int off, int len) {
            text.append(cbuf, off, len);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}

        @Override
        public String toString() {
            return text.toString();
        }
    }

    @Test
    void runsThreeHealthyWebServersFetchesAPageFromEachAndStopsCleanlyOnASignal() throws Exception {
        Captured out = new Captured();
        CommandLine cli = Berth.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        AtomicInteger exit = new AtomicInteger(-1);
        Thread demo = new Thread(() -> exit.set(cli.execute("demo", "--api-port", "0", "--job",
                Path.of("examples/web.json").toAbsolutePath().toString())), "demo");
        demo.start();
        Awaitility.await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
                .until(() -> out.toString().contains("Ctrl-C stops the demo") || !demo.isAlive());
        String shown = out.toString();
        assertThat(shown).contains("deployment successful: frontend 3/3 healthy");
        assertThat(shown.lines().filter(l -> l.matches("  web\\.frontend\\[\\d] +http://127\\.0\\.0\\.1:\\d+/ +-> "
                + "HTTP 200: hello from .*"))).hasSize(3);
        String dataDir = shown.lines().filter(l -> l.startsWith("berth demo: API on ")).findFirst().orElseThrow()
                .replaceFirst(".*, data in ", "");

        new ProcessBuilder("kill", "-TERM", Long.toString(ProcessHandle.current().pid())).start().waitFor();
        demo.join(Duration.ofMinutes(2).toMillis());
        assertThat(demo.isAlive()).isFalse();
        assertThat(exit.get()).as(out.toString()).isZero();
        assertThat(out.toString()).contains("berth demo: stopped");
        assertThat(Path.of(dataDir)).doesNotExist();
        assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo"))).noneMatch(l -> l.contains(dataDir));
    }
}
