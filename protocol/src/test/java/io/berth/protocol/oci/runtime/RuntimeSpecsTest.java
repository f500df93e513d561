package io.berth.protocol.oci.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RuntimeSpecsTest {

    private static RuntimeSpec parse(String json) {
        return RuntimeSpecs.parse("config.json", json.getBytes(StandardCharsets.UTF_8));
    }

    private static String defaultJson() {
        return new String(RuntimeSpecs.toJson(RuntimeSpecs.defaultSpec()), StandardCharsets.UTF_8);
    }

    @Test
    void defaultSpecRoundTripsAndValidates() {
        RuntimeSpec spec = parse(defaultJson());
        assertThat(spec).isEqualTo(RuntimeSpecs.defaultSpec());
        assertThat(spec.linux().namespaces()).extracting(RuntimeSpec.Namespace::type)
                .containsExactly("pid", "network", "ipc", "uts", "mount", "cgroup");
    }

    @Test
    void unsignedValuesKeepAllSixtyFourBits() {
        String json = defaultJson().replace("\"hard\" : 1024", "\"hard\" : 18446744073709551615");
        RuntimeSpec spec = parse(json);
        assertThat(spec.process().rlimits().get(0).hard()).isEqualTo(-1L);
        assertThat(new String(RuntimeSpecs.toJson(spec), StandardCharsets.UTF_8)).contains("18446744073709551615");
    }

    @Test
    void unknownPropertiesAreIgnoredAsTheSpecRequires() {
        RuntimeSpec spec = parse(defaultJson().replaceFirst("\\{", "{ \"vendorExtension\": {\"x\": 1},"));
        assertThat(spec.hostname()).isEqualTo("berth");
    }

    @Test
    void malformedJsonNamesTheLine() {
        assertThatThrownBy(() -> parse("{\n \"ociVersion\": \"1.2.0\",\n \"root\": }"))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageStartingWith("config.json: $: not valid JSON")
                .hasMessageContaining("line 3");
    }

    @Test
    void wrongTypeNamesTheJsonPath() {
        String json = defaultJson().replace("\"uid\" : 0", "\"uid\" : \"root\"");
        assertThatThrownBy(() -> parse(json))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageStartingWith("config.json: $.process.user.uid:");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"type\" : \"ipc\"|\"type\" : \"pid\"|$.linux.namespaces[2].type: duplicate namespace 'pid'",
        "\"type\" : \"ipc\"|\"type\" : \"pidx\"|$.linux.namespaces[2].type: unknown namespace 'pidx'",
        "\"cwd\" : \"/\"|\"cwd\" : \"tmp\"|$.process.cwd: must be an absolute path, was 'tmp'",
        "\"args\" : [ \"sh\" ]|\"args\" : [ ]|$.process.args: must not be empty",
        "\"CAP_KILL\"|\"CAP_KILLER\"|$.process.capabilities.bounding[1]: unknown capability 'CAP_KILLER'",
        "\"RLIMIT_NOFILE\"|\"RLIMIT_FILES\"|$.process.rlimits[0].type: unknown rlimit 'RLIMIT_FILES'",
        "\"destination\" : \"/proc\"|\"destination\" : \"proc\"|$.mounts[0].destination: must be an absolute path",
        "\"path\" : \"rootfs\"|\"path\" : \"\"|$.root.path: required",
    })
    void invalidSpecsNameTheFieldPath(String from, String to, String expected) {
        String json = defaultJson().replaceFirst(java.util.regex.Pattern.quote(from),
                java.util.regex.Matcher.quoteReplacement(to));
        assertThat(json).isNotEqualTo(defaultJson());
        assertThatThrownBy(() -> parse(json)).isInstanceOf(InvalidSpecException.class).hasMessageContaining(expected);
    }

    @Test
    void reportsEveryErrorAtOnce() {
        String json = defaultJson().replace("\"cwd\" : \"/\"", "\"cwd\" : \"x\"")
                .replace("\"ociVersion\" : \"" + RuntimeSpecs.OCI_VERSION + "\"", "\"ociVersion\" : \"2.0\"");
        assertThatThrownBy(() -> parse(json)).isInstanceOfSatisfying(InvalidSpecException.class,
                e -> assertThat(e.errors()).hasSize(2));
    }

    @Test
    void missingFileSaysSo() {
        assertThatThrownBy(() -> RuntimeSpecs.parse(Path.of("/nonexistent/config.json")))
                .hasMessage("/nonexistent/config.json: no such file: is the bundle path right?");
    }
}
