package io.berth.scheduler.placement.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EngineBenchmarkTest {

    @Test
    void theBenchmarkClusterTakesEveryInstanceOfEveryJob() {
        // measure() throws if any placement fails, so the figure always counts a full run
        EngineBenchmark.Measurement m = EngineBenchmark.measure(1_000, 3);
        assertThat(m.placements()).isEqualTo(200L * 100);
        assertThat(m.cpuNanos()).isPositive();
        assertThat(m.wallNanos()).isPositive();
    }

    @Test
    void jsonCarriesTheRatesByNodeCount() {
        Map<Integer, EngineBenchmark.Measurement> result = new LinkedHashMap<>();
        result.put(1000, new EngineBenchmark.Measurement(20_000, 500_000_000L, 1_000_000_000L));
        result.put(5000, new EngineBenchmark.Measurement(20_000, 1_000_000_000L, 2_000_000_000L));
        assertThat(EngineBenchmark.toJson(result)).isEqualTo("{\"engine_placements_per_s\": {\"1000\": 40000, "
                + "\"5000\": 20000}, \"engine_placements_per_wall_s\": {\"1000\": 20000, \"5000\": 10000}}");
    }
}
