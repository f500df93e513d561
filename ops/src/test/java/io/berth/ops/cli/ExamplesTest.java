package io.berth.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.protocol.job.Job;
import io.berth.protocol.job.JobSpecs;
import io.berth.protocol.job.JobType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every job in ops/examples is one the validator accepts, and each shows what its name says. */
class ExamplesTest {

    static final Path EXAMPLES = Path.of("examples"); // surefire runs in the module's directory

    @Test
    void everyExampleValidates() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(EXAMPLES)) {
            files = s.sorted().toList();
        }
        assertThat(files).extracting(p -> p.getFileName().toString())
                .contains("web.json", "web.yaml", "batch.json", "system.json", "canary.json");
        for (Path f : files) {
            assertThat(JobSpecs.validate(JobSpecs.parse(f))).as(f.toString()).isEmpty();
        }
    }

    @Test
    void theYamlWebJobIsTheJsonOne() {
        assertThat(JobSpecs.parse(EXAMPLES.resolve("web.yaml"))).isEqualTo(JobSpecs.parse(EXAMPLES.resolve("web.json")));
    }

    @Test
    void theDemoJobFitsOneNodeAndIsCheckedOverHttp() {
        Job web = JobSpecs.parse(EXAMPLES.resolve("web.json"));
        var group = web.groups().get(0);
        assertThat(group.count()).isEqualTo(3);
        assertThat(group.constraints()).as("dev mode is one node: no distinct_hosts").isEmpty();
        var task = group.tasks().get(0);
        assertThat(task.network().name()).isEqualTo("BRIDGE");
        assertThat(task.ports()).allSatisfy(p -> assertThat(p.dynamic()).isTrue());
        assertThat(task.checks()).singleElement().satisfies(c -> assertThat(c.type().name()).isEqualTo("HTTP"));
    }

    @Test
    void theOtherExamplesShowABatchASystemAndACanaryJob() {
        assertThat(JobSpecs.parse(EXAMPLES.resolve("batch.json")).type()).isEqualTo(JobType.BATCH);
        assertThat(JobSpecs.parse(EXAMPLES.resolve("system.json")).type()).isEqualTo(JobType.SYSTEM);
        Job canary = JobSpecs.parse(EXAMPLES.resolve("canary.json"));
        assertThat(canary.updateFor(canary.groups().get(0)).canary()).isPositive();
    }
}
