package io.berth.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.protocol.job.RestartPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class RestartTrackerTest {

    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final ManualClock clock = new ManualClock();

    /** Crashes right after each restart; returns the delay decided. */
    private Duration crash(RestartTracker t, Duration ranFor) {
        Instant started = clock.instant();
        clock.advance(ranFor);
        RestartTracker.Decision d = t.onExit(started);
        if (!d.giveUp()) {
            clock.advance(d.delay());
        }
        return d.delay();
    }

    @Test
    void delaysDoubleUpToTheCapThenFailModeGivesUp() {
        RestartTracker t = new RestartTracker(new RestartPolicy(5, Duration.ofMinutes(30), Duration.ofSeconds(1),
                Duration.ofSeconds(5), RestartPolicy.Mode.FAIL), Duration.ofMinutes(5), clock,
                RestartTracker.History.NONE);
        assertThat(crash(t, Duration.ofMillis(10))).isEqualTo(Duration.ofSeconds(1));
        assertThat(crash(t, Duration.ofMillis(10))).isEqualTo(Duration.ofSeconds(2));
        assertThat(crash(t, Duration.ofMillis(10))).isEqualTo(Duration.ofSeconds(4));
        assertThat(crash(t, Duration.ofMillis(10))).isEqualTo(Duration.ofSeconds(5));
        assertThat(crash(t, Duration.ofMillis(10))).isEqualTo(Duration.ofSeconds(5));
        RestartTracker.Decision d = t.onExit(clock.instant());
        assertThat(d.giveUp()).isTrue();
        assertThat(d.reason()).isEqualTo("restart policy exhausted: 5 restarts within PT30M");
    }

    @Test
    void aStableRunResetsTheBackoff() {
        RestartTracker t = new RestartTracker(new RestartPolicy(10, Duration.ofMinutes(30), Duration.ofSeconds(1),
                Duration.ofMinutes(1), RestartPolicy.Mode.FAIL), Duration.ofMinutes(5), clock,
                RestartTracker.History.NONE);
        crash(t, Duration.ofMillis(10));
        crash(t, Duration.ofMillis(10));
        assertThat(crash(t, Duration.ofMillis(10))).isEqualTo(Duration.ofSeconds(4));
        assertThat(crash(t, Duration.ofMinutes(5))).as("after a stable run").isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void restartsOlderThanTheIntervalNoLongerCount() {
        RestartTracker t = new RestartTracker(new RestartPolicy(2, Duration.ofMinutes(1), Duration.ofSeconds(1),
                Duration.ofSeconds(1), RestartPolicy.Mode.FAIL), Duration.ofMinutes(5), clock,
                RestartTracker.History.NONE);
        crash(t, Duration.ofMillis(10));
        crash(t, Duration.ofMillis(10));
        assertThat(crash(t, Duration.ofMinutes(2))).as("both earlier restarts left the interval").isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void delayModeWaitsForTheIntervalToEnd() {
        RestartTracker t = new RestartTracker(new RestartPolicy(2, Duration.ofMinutes(1), Duration.ofSeconds(1),
                Duration.ofSeconds(1), RestartPolicy.Mode.DELAY), Duration.ofMinutes(5), clock,
                RestartTracker.History.NONE);
        crash(t, Duration.ZERO);   // restart at t=1s
        crash(t, Duration.ZERO);   // restart at t=2s
        Instant started = clock.instant();
        RestartTracker.Decision d = t.onExit(started);
        assertThat(d.giveUp()).isFalse();
        assertThat(d.delay()).as("until the first restart (t=1s) is a minute old").isEqualTo(Duration.ofSeconds(59));
    }

    @Test
    void aTrackerGoingOnFromAnothersHistoryDecidesAsThatOneWould() {
        RestartPolicy policy = new RestartPolicy(3, Duration.ofMinutes(1), Duration.ofSeconds(1), Duration.ofSeconds(10),
                RestartPolicy.Mode.DELAY);
        RestartTracker first = new RestartTracker(policy, Duration.ofMinutes(5), clock, RestartTracker.History.NONE);
        crash(first, Duration.ZERO);
        crash(first, Duration.ZERO);
        RestartTracker.History history = first.history();
        assertThat(history.restarts()).hasSize(2);
        assertThat(history.consecutive()).isEqualTo(2);

        RestartTracker next = new RestartTracker(policy, Duration.ofMinutes(5), clock, history);
        assertThat(crash(next, Duration.ZERO)).as("the third restart, doubled twice").isEqualTo(Duration.ofSeconds(4));
        assertThat(crash(next, Duration.ZERO)).as("three restarts within the minute: until the first leaves it")
                .isEqualTo(Duration.ofSeconds(54));
    }
}
