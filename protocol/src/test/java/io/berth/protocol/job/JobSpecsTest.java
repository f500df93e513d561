package io.berth.protocol.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class JobSpecsTest {
    private static final Path EXAMPLES = Path.of("..", "ops", "examples");

    static Stream<Path> examples() throws IOException {
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            List<Path> list = files.filter(f -> f.toString().matches(".*\\.(json|ya?ml)$")).sorted().toList();
            assertThat(list).extracting(p -> p.getFileName().toString())
                    .contains("web.json", "batch.json", "system.json", "canary.json");
            return list.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("examples")
    void everyExampleParsesAndValidates(Path example) {
        Job job = JobSpecs.parse(example);
        assertThat(JobSpecs.validate(job)).isEmpty();
        assertThat(job.groups()).isNotEmpty();
    }

    @Test
    void webExampleIsAThreeInstanceBridgeServiceOnADynamicPortWithAnHttpCheck() {
        Job web = JobSpecs.parse(EXAMPLES.resolve("web.json"));
        TaskGroup g = web.groups().get(0);
        Task t = g.tasks().get(0);
        assertThat(web.type()).isEqualTo(JobType.SERVICE);
        assertThat(g.count()).isEqualTo(3);
        assertThat(t.network()).isEqualTo(NetworkMode.BRIDGE);
        assertThat(t.ports()).singleElement().satisfies(p -> assertThat(p.dynamic()).isTrue());
        assertThat(t.checks()).singleElement().satisfies(c -> {
            assertThat(c.type()).isEqualTo(HealthCheck.Type.HTTP);
            assertThat(c.interval()).isEqualTo(Duration.ofSeconds(2));
            assertThat(c.grace()).isEqualTo(Duration.ofSeconds(1));
        });
    }

    @Test
    void yamlAndJsonSpellingsReadTheSameJob() {
        assertThat(JobSpecs.parse(EXAMPLES.resolve("web.yaml"))).isEqualTo(JobSpecs.parse(EXAMPLES.resolve("web.json")));
    }

    @Test
    void canaryExampleRollsTwoAtATimeAfterTwoCanaries() {
        Job api = JobSpecs.parse(EXAMPLES.resolve("canary.json"));
        UpdateStrategy u = api.updateFor(api.groups().get(0));
        assertThat(u.canary()).isEqualTo(2);
        assertThat(u.maxParallel()).isEqualTo(2);
        assertThat(u.autoPromote()).isTrue();
        ReschedulePolicy r = api.rescheduleFor(api.groups().get(0));
        assertThat(r.delayFunction()).isEqualTo(ReschedulePolicy.DelayFunction.FIBONACCI);
        assertThat(r.delayBefore(5)).isEqualTo(Duration.ofSeconds(75));
        assertThat(r.delayBefore(40)).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void writtenJobReadsBackEqual() {
        Job job = JobSpecs.parse(EXAMPLES.resolve("canary.json"));
        byte[] json = JobSpecs.toJson(job);
        assertThat(new String(json, StandardCharsets.UTF_8)).contains("\"min_healthy_time\" : \"15s\"");
        assertThat(JobSpecs.parse("written", json, JobSpecs.Format.JSON)).isEqualTo(job);
    }

    @Test
    void absentFieldsTakeTheirDefaults() {
        Job job = parseJson("{\"id\":\"j\",\"groups\":[{\"name\":\"g\",\"tasks\":[{\"name\":\"t\",\"image\":\"busybox\"}]}]}");
        Task t = job.groups().get(0).tasks().get(0);
        assertThat(job.type()).isEqualTo(JobType.SERVICE);
        assertThat(job.priority()).isEqualTo(50);
        assertThat(job.groups().get(0).count()).isEqualTo(1);
        assertThat(t.resources()).isEqualTo(new Resources(100, 256, 0));
        assertThat(t.network()).isEqualTo(NetworkMode.BRIDGE);
        assertThat(t.stopSignal()).isEqualTo("SIGTERM");
        assertThat(t.stopTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(t.restart().delayBefore(1)).isEqualTo(Duration.ofSeconds(15));
        assertThat(t.restart().delayBefore(3)).isEqualTo(Duration.ofMinutes(1));
        assertThat(job.updateFor(job.groups().get(0))).isEqualTo(UpdateStrategy.DEFAULT);
        assertThat(job.rescheduleFor(job.groups().get(0)).unlimited()).isTrue();
    }

    @Test
    void unknownFieldsAreAllNamedWithTheirPathAndTheAllowedFields() {
        String spec = """
                {"id": "j", "colour": "red", "groups": [{"name": "g", "tasks": [
                  {"name": "t", "image": "busybox", "resources": {"memory": 64}},
                  {"name": "u", "image": "busybox", "checks": [{"type": "tcp", "prot": "x"}]}]}]}
                """;
        assertThatThrownBy(() -> parseJson(spec))
                .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.errors())
                        .anySatisfy(m -> assertThat(m).startsWith("colour: unknown field (allowed here: id, type,"))
                        .anySatisfy(m -> assertThat(m).startsWith("groups[0].tasks[0].resources.memory: unknown field "
                                + "(allowed here: cpu_mhz, memory_mb, disk_mb)"))
                        .anySatisfy(m -> assertThat(m).startsWith("groups[0].tasks[1].checks[0].prot: unknown field"))
                        // validation still runs behind the unknown fields
                        .contains("groups[0].tasks[1].checks[0].port: required: the label of one of the task's ports"));
    }

    @Test
    void validationReportsEveryErrorWithItsPath() {
        String yaml = """
                id: "bad id"
                priority: 300
                groups:
                  - name: g
                    count: 2
                    tasks:
                      - name: t
                        image: busybox
                        resources: {memory_mb: 2, cpu_mhz: 0}
                        ports: [{label: http, static: 80}, {label: http, static: 70000}]
                        checks: [{type: http, port: web, path: health, interval: 5s, timeout: 10s}]
                        stop_signal: TERM
                      - name: t
                        image: "Busy Box"
                        network: none
                        ports: [{label: admin, static: 80}]
                        volumes: [{source: relative, destination: /data}]
                    constraints:
                      - {attribute: attr.archh, value: amd64}
                      - {attribute: attr.kernel.version, operator: version, value: ">= 1.x"}
                      - {attribute: node.id, operator: regexp, value: "[a-"}
                      - {operator: distinct_hosts, value: "2"}
                    affinities: [{attribute: attr.os, value: linux, weight: 0}]
                    spreads: [{attribute: node.datacenter, targets: [{value: a, percent: 70}, {value: b, percent: 40}]}]
                    update: {canary: 3, healthy_deadline: 5s, min_healthy_time: 10s}
                """;
        assertThatThrownBy(() -> JobSpecs.parse("bad.yaml", yaml.getBytes(StandardCharsets.UTF_8), JobSpecs.Format.YAML))
                .isInstanceOfSatisfying(InvalidJobException.class, e -> {
                    assertThat(e.getMessage()).startsWith("bad.yaml: ");
                    assertThat(e.errors()).containsExactlyInAnyOrder(
                            "id: 'bad id' is not a name: letters, digits, - _ . (not first), at most 128",
                            "priority: must be between 1 and 100, was 300",
                            "groups[0].tasks[0].resources.cpu_mhz: must be at least 1, was 0",
                            "groups[0].tasks[0].resources.memory_mb: must be at least 4, was 2",
                            "groups[0].tasks[0].ports[1].label: 'http' is already used at groups[0].tasks[0].ports[0]",
                            "groups[0].tasks[0].ports[1].static: must be a port between 1 and 65535, was 70000",
                            "groups[0].tasks[0].checks[0].port: the task has no port labelled 'web' (it has http)",
                            "groups[0].tasks[0].checks[0].path: an http check needs a path starting with /, was 'health'",
                            "groups[0].tasks[0].checks[0].timeout: 10s is longer than the interval 5s",
                            "groups[0].tasks[0].stop_signal: 'TERM' is not one of SIGHUP, SIGINT, SIGKILL, SIGPWR, "
                                    + "SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH",
                            "groups[0].tasks[1].name: another task of the group is already named 't'",
                            "groups[0].tasks[1].image: 'Busy Box' is not an image reference (name[:tag][@digest], "
                                    + "lower-case name, no spaces)",
                            "groups[0].tasks[1].ports[0].static: port 80 is already taken at groups[0].tasks[0].ports[0]",
                            "groups[0].tasks[1].network: 'none', but tasks[0] has 'bridge': the tasks of a group "
                                    + "share one network namespace, so they need one mode",
                            "groups[0].tasks[1].ports: network mode 'none' has no ports: use 'bridge' or 'host', or "
                                    + "drop the ports",
                            "groups[0].tasks[1].volumes[0].source: a bind mount needs an absolute host path without "
                                    + "'..', was 'relative'",
                            "groups[0].constraints[0].attribute: unknown attribute 'attr.archh': use one of attr.arch, "
                                    + "attr.cgroup.version, attr.kernel.version, attr.os, node.datacenter, node.id or "
                                    + "meta.<label>",
                            "groups[0].constraints[1].value: '>= 1.x' is not a version clause: write an operator "
                                    + "(=, !=, >, >=, <, <=, ~>) and a version such as 1.2.3",
                            "groups[0].constraints[2].value: not a regular expression: Illegal character range near index 3",
                            "groups[0].constraints[3]: distinct_hosts takes no attribute or value",
                            "groups[0].affinities[0].weight: must be between -100 and 100 and not 0, was 0",
                            "groups[0].spreads[0].targets: the percentages add up to 110, more than 100",
                            "groups[0].update.healthy_deadline: 5s must be longer than min_healthy_time 10s",
                            "groups[0].update.canary: 3 canaries exceed the group's count 2");
                });
    }

    @Test
    void aValueOfTheWrongTypeIsNamedWithItsPath() {
        assertThatThrownBy(() -> parseJson("{\"id\":\"j\",\"groups\":[{\"name\":\"g\",\"count\":\"many\",\"tasks\":[]}]}"))
                .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.errors())
                        .singleElement().asString().startsWith("groups[0].count: ").contains("many"));
        assertThatThrownBy(() -> parseJson("{\"id\":\"j\",\"type\":\"daemon\",\"groups\":[]}"))
                .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.errors())
                        .singleElement().asString().startsWith("type: ").contains("daemon", "service", "batch", "system"));
        assertThatThrownBy(() -> parseJson("{\"id\":\"j\",\"update\":{\"min_healthy_time\":30},\"groups\":[]}"))
                .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.errors())
                        .singleElement().asString().startsWith("update.min_healthy_time: ").contains("\"30s\""));
    }

    @Test
    void typeSpecificRulesApply() {
        String system = """
                {"id": "s", "type": "system", "groups": [{"name": "g", "count": 3,
                  "tasks": [{"name": "t", "image": "busybox"}], "reschedule": {"attempts": 1},
                  "spreads": [{"attribute": "node.datacenter"}]}]}
                """;
        assertThatThrownBy(() -> parseJson(system))
                .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.errors()).containsExactlyInAnyOrder(
                        "groups[0].count: a system job runs one per node: leave count out (or 1), was 3",
                        "groups[0].spreads: a system job runs on every node: spread does not apply",
                        "groups[0].reschedule: system jobs are not rescheduled (they run on every node): drop the policy"));
        String batch = """
                {"id": "b", "type": "batch", "update": {"max_parallel": 2},
                 "groups": [{"name": "g", "tasks": [{"name": "t", "image": "busybox"}]}]}
                """;
        assertThatThrownBy(() -> parseJson(batch))
                .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.errors()).containsExactly(
                        "update: batch jobs are not rolled: drop the update strategy"));
    }

    @Test
    void theTasksOfAGroupNeedOneNetworkMode() {
        String job = """
                {"id": "j", "groups": [{"name": "g", "tasks": [
                  {"name": "web", "image": "busybox", "network": "bridge", "ports": [{"label": "http", "to": 80}]},
                  {"name": "sidecar", "image": "busybox", "network": "host"},
                  {"name": "log", "image": "busybox", "network": "bridge"}]}]}
                """;
        assertThatThrownBy(() -> parseJson(job))
                .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.errors()).containsExactly(
                        "groups[0].tasks[1].network: 'host', but tasks[0] has 'bridge': the tasks of a group share "
                                + "one network namespace, so they need one mode"));
    }

    @Test
    void malformedDocumentsSayWhere() {
        assertThatThrownBy(() -> parseJson("{\"id\": \"j\",\n \"groups\": [}"))
                .isInstanceOf(InvalidJobException.class).hasMessageContaining("not valid JSON (line 2");
        assertThatThrownBy(() -> JobSpecs.parse("bad.yaml", "id: y\ngroups:\n  - name: g\n    tasks: [{name: t\n"
                .getBytes(StandardCharsets.UTF_8), JobSpecs.Format.YAML))
                .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.errors()).containsExactly(
                        "not valid YAML (line 4, column 21): expected ',' or '}', but got <stream end> (while parsing "
                                + "a flow mapping that starts at line 4, column 13)"));
        assertThatThrownBy(() -> parseJson(""))
                .isInstanceOf(InvalidJobException.class).hasMessageContaining("the document is empty");
        assertThatThrownBy(() -> JobSpecs.parse(Path.of("/nonexistent/job.json")))
                .isInstanceOf(InvalidJobException.class).hasMessage("/nonexistent/job.json: 1 error:\n  no such file");
    }

    @ParameterizedTest
    @CsvSource({"30s,30000", "5m,300000", "1h30m,5400000", "250ms,250", "0,0", "2h5s,7205000"})
    void durationsParseAndFormat(String text, long millis) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
        assertThat(Durations.format(Duration.ofMillis(millis))).isEqualTo(text);
    }

    @ParameterizedTest
    @CsvSource({"''", "30", "-5s", "1.5s", "5m1h", "5d", "s"})
    void malformedDurationsAreRejected(String text) {
        assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("write it like \"30s\"");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            ">= 1.2, < 2        | 1.2.0          | true",
            ">= 1.2, < 2        | 1.10           | true",
            ">= 1.2, < 2        | 2.0            | false",
            ">= 1.2, < 2        | 1.1.9          | false",
            ">= 5.10            | 6.18.0-1-amd64 | true",
            ">= 5.10            | 5.4.0          | false",
            "~> 1.2             | 1.9            | true",
            "~> 1.2             | 2.0            | false",
            "~> 1.2.3           | 1.2.9          | true",
            "~> 1.2.3           | 1.3.0          | false",
            "!= 2               | 2.0.0          | false",
            "= v1.4             | 1.4            | true",
            "> 1                | banana         | false"})
    void versionRangesMatch(String range, String version, boolean matches) {
        assertThat(VersionConstraint.parse(range).matches(version)).isEqualTo(matches);
    }

    private static Job parseJson(String json) {
        return JobSpecs.parse("test", json.getBytes(StandardCharsets.UTF_8), JobSpecs.Format.JSON);
    }
}
