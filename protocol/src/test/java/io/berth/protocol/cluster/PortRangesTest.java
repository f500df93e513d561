package io.berth.protocol.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PortRangesTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // written | canonical
            "22,80,8000-8100       | 22,80,8000-8100",
            "8000-8100, 80 , 22    | 22,80,8000-8100",
            "80,81,82              | 80-82",
            "8000-8100,8050-8200,7999 | 7999-8200",
            "1-65535               | 1-65535",
            "443-443               | 443"})
    void readsPortsAndRangesIntoOneCanonicalForm(String written, String canonical) {
        PortRanges p = PortRanges.parse(written);
        assertThat(p).hasToString(canonical);
        assertThat(PortRanges.parse(p.toString())).isEqualTo(p);
    }

    @Test
    void containsExactlyItsPortsAndCountsThemInARange() {
        PortRanges p = PortRanges.parse("22,80,8000-8100");
        assertThat(List.of(22, 80, 8000, 8050, 8100)).allMatch(p::contains);
        assertThat(List.of(1, 21, 23, 79, 81, 7999, 8101, 65535)).noneMatch(p::contains);
        assertThat(p.countIn(1, 65535)).isEqualTo(103);
        assertThat(p.countIn(8090, 9000)).isEqualTo(11);
        assertThat(p.countIn(81, 7999)).isZero();
        assertThat(p.union(PortRanges.of(List.of(23, 8101)))).hasToString("22-23,80,8000-8101");
        assertThat(PortRanges.parse("  ")).isSameAs(PortRanges.NONE);
        assertThat(PortRanges.parse(null).isEmpty()).isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "http          | 'http' is not a port (1-65535) or a range of ports (low-high), as in 22,80,8000-8100",
            "22,0          | '0' is not a port",
            "70000         | '70000' is not a port",
            "9-8           | '9-8' is a range whose first port is above its last; write it low-high, as 8-9",
            "1-2-3         | '1-2-3' is not a port",
            "+80           | '+80' is not a port"})
    void aBadEntryIsNamed(String written, String message) {
        assertThatThrownBy(() -> PortRanges.parse(written)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(message);
    }
}
