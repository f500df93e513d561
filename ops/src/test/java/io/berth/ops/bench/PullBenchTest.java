package io.berth.ops.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.ops.Berth;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code berth bench pull --json} runs end to end (on a small image: speed is the benchmark's business, not a test's). */
class PullBenchTest {

    @Test
    void printsOneJsonObjectWithEveryFigure(@TempDir Path dir) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Berth.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute("bench", "pull", "--json", "--layers", "2", "--size-mib", "4", "--runs", "1", "--work-dir", dir.toString());
        assertThat(exit).as(err.toString()).isZero();
        JsonNode figures = new ObjectMapper().readTree(out.toString());
        assertThat(figures.fieldNames()).toIterable().containsExactlyInAnyOrder(
                "berth_pull_s", "skopeo_pull_s", "berth_unpack_s", "umoci_unpack_s", "berth_warm_pull_ms");
        figures.fields().forEachRemaining(f -> assertThat(f.getValue().asDouble()).as(f.getKey()).isPositive());
    }
}
