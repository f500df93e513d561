package io.berth.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SignalsTest {
    @ParameterizedTest
    @CsvSource({"TERM,15", "SIGTERM,15", "sigterm,15", "kill,9", "SIGKILL,9", "9,9", "HUP,1", "usr1,10", "SIGUSR2,12",
        "CHLD,17", "CLD,17", "IOT,6", "WINCH,28", "SYS,31", "RTMIN,34", "SIGRTMIN+3,37", "RTMAX,64", "RTMAX-1,63", "64,64"})
    void parsesNamesWithOrWithoutSigAndNumbers(String spec, int number) {
        assertThat(Signals.parse(spec)).isEqualTo(number);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "SIG", "BOGUS", "0", "65", "32", "33", "-9", "RTMIN+31", "RTMAX-31", "RTMIN+x", "1000000"})
    void refusesWhatIsNoSignal(String spec) {
        assertThatThrownBy(() -> Signals.parse(spec)).isInstanceOf(CliException.class)
                .hasMessageContaining("unknown signal '" + spec + "'");
    }

    @ParameterizedTest
    @CsvSource({"15,SIGTERM", "9,SIGKILL", "34,SIGRTMIN", "36,SIGRTMIN+2"})
    void namesSignals(int number, String name) {
        assertThat(Signals.name(number)).isEqualTo(name);
    }
}
