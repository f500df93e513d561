package io.berth.protocol.job;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;

/**
 * What the agent does when a task exits on its own. It restarts it up to {@code attempts} times within each
 * {@code interval}, waiting {@code delay} before the first restart and doubling the wait on each further one up
 * to {@code max_delay}. When the attempts are spent, {@code fail} fails the allocation (the scheduler may then
 * reschedule it elsewhere) and {@code delay} waits for the interval to end and starts counting again.
 * Defaults: 2 attempts in 30m, delay 15s, max_delay 1m, mode fail.
 */
public record RestartPolicy(Integer attempts, Duration interval, Duration delay, Duration maxDelay, Mode mode) {
    public enum Mode {
        @JsonProperty("fail") FAIL,
        @JsonProperty("delay") DELAY
    }

    public static final RestartPolicy DEFAULT = new RestartPolicy(null, null, null, null, null);

    public RestartPolicy {
        attempts = Copies.or(attempts, 2);
        interval = Copies.or(interval, Duration.ofMinutes(30));
        delay = Copies.or(delay, Duration.ofSeconds(15));
        maxDelay = Copies.or(maxDelay, Duration.ofMinutes(1));
        mode = Copies.or(mode, Mode.FAIL);
    }

    /** The wait before restart number {@code n} (1-based) within an interval: delay doubled per restart, capped. */
    public Duration delayBefore(int n) {
        Duration d = delay;
        for (int i = 1; i < n && d.compareTo(maxDelay) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(maxDelay) > 0 ? maxDelay : d;
    }
}
