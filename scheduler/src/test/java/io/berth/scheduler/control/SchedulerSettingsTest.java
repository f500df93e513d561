package io.berth.scheduler.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SchedulerSettingsTest {
    @Test
    void heartbeatIntervalGrowsWithTheClusterAsNomadsDoes() {
        SchedulerSettings s = SchedulerSettings.DEFAULTS;
        assertThat(s.heartbeatInterval(10)).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.heartbeatInterval(250)).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.heartbeatInterval(1000)).isEqualTo(Duration.ofSeconds(20));
        assertThat(s.heartbeatInterval(5000)).isEqualTo(Duration.ofSeconds(100));
        assertThat(s.heartbeatTtl(5000)).isEqualTo(Duration.ofSeconds(300));
    }

    @Test
    void readsItsKeysAndRefusesNonsenseNamingTheKey() {
        SchedulerSettings s = SchedulerSettings.fromConfig(ConfigFactory.parseString(
                "berth.scheduler { min-heartbeat-interval = 1s, max-heartbeats-per-second = 10 }"));
        assertThat(s.heartbeatInterval(100)).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.failoverGrace()).isEqualTo(SchedulerSettings.DEFAULTS.failoverGrace());
        assertThatThrownBy(() -> SchedulerSettings.fromConfig(ConfigFactory.parseString(
                "berth.scheduler.max-heartbeats-per-second = 0")))
                .hasMessageContaining("berth.scheduler.max-heartbeats-per-second");
    }
}
