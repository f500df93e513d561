package io.berth.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentConfigTest {

    @Test
    void readsTheAgentSectionOverTheDefaults() {
        AgentConfig c = AgentConfig.fromConfig(ConfigFactory.parseString(
                "berth.agent { data-dir = /srv/agent, name = n1, labels { rack = r1, ssd = true }, logs.max-bytes = 1MiB, "
                        + "drain-on-shutdown = true }")
                .withFallback(ConfigFactory.defaultReference()));
        assertThat(c).isEqualTo(new AgentConfig(Path.of("/srv/agent"), "n1", "dc1", Map.of("rack", "r1", "ssd", "true"),
                1L << 20, 5, Duration.ofMinutes(5), Duration.ofSeconds(5), true));
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
}
