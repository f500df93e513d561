package io.berth.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.berth.protocol.cluster.PortRanges;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AgentConfigTest {

    @Test
    void readsTheAgentSectionOverTheDefaults() {
        AgentConfig c = AgentConfig.fromConfig(ConfigFactory.parseString(
                "berth.agent { data-dir = /srv/agent, name = n1, labels { rack = r1, ssd = true }, logs.max-bytes = 1MiB, "
                        + "drain-on-shutdown = true, reserved-ports = \"8000-8100, 22,80,8101\" }")
                .withFallback(ConfigFactory.defaultReference()));
        assertThat(c).isEqualTo(new AgentConfig(Path.of("/srv/agent"), "n1", "dc1", Map.of("rack", "r1", "ssd", "true"),
                1L << 20, 5, Duration.ofMinutes(5), Duration.ofSeconds(5), true, PortRanges.parse("22,80,8000-8101")));
        assertThat(c.reservedPorts()).hasToString("22,80,8000-8101");
    }

    @Test
    void defaultsMatchTheReferenceConfig() {
        Path dir = Path.of("/var/lib/berth/agent");
        assertThat(AgentConfig.fromConfig(ConfigFactory.defaultReference())).isEqualTo(AgentConfig.defaults(dir));
    }

    @Test
    void aMalformedSettingIsNamed() {
        assertThatThrownBy(() -> AgentConfig.fromConfig(ConfigFactory.parseString("berth.agent.logs.max-files = many")
                .withFallback(ConfigFactory.defaultReference())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("berth.agent.logs.max-files");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "22,http        | 'http' is not a port (1-65535) or a range of ports (low-high)",
            "0              | '0' is not a port",
            "65536          | '65536' is not a port",
            "8100-8000      | '8100-8000' is a range whose first port is above its last; write it low-high, as 8000-8100",
            "80,,81         | '' is not a port",
            "8000-          | '8000-' is not a port",
            "-1             | '-1' is not a port"})
    void aBadReservedPortIsNamedWithTheSetting(String value, String message) {
        assertThatThrownBy(() -> AgentConfig.fromConfig(ConfigFactory.parseString(
                "berth.agent.reserved-ports = \"" + value + "\"").withFallback(ConfigFactory.defaultReference())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("berth.agent.reserved-ports: " + message);
    }
}
