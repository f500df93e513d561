package io.berth.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EventsIntervalTest {
    @ParameterizedTest
    @CsvSource({"5s,5000", "500ms,500", "1m,60000", "2,2000", "1h,3600000"})
    void acceptsRuncsDurations(String text, long millis) {
        assertThat(EventsCommand.parseInterval(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0s", "", "-1s", "5 parsecs", "1.5s", "9999999999s"})
    void refusesWhatIsNoPositiveDuration(String text) {
        assertThatThrownBy(() -> EventsCommand.parseInterval(text)).isInstanceOf(CliException.class)
                .hasMessageContaining("--interval '" + text + "'");
    }
}
