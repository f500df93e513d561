package io.berth.protocol.job;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;

/**
 * When the scheduler places a failed allocation again, on another node if it can. Up to {@code attempts}
 * within {@code interval} (or without limit when {@code unlimited}), waiting {@code delay} grown by
 * {@code delay_function} (constant, exponential: doubling, fibonacci) up to {@code max_delay}. Fields left out
 * take the job type's defaults ({@link #defaults}); system jobs are not rescheduled (they run on every node).
 */
public record ReschedulePolicy(
        Integer attempts,
        Duration interval,
        Duration delay,
        DelayFunction delayFunction,
        Duration maxDelay,
        Boolean unlimited) {

    public enum DelayFunction {
        @JsonProperty("constant") CONSTANT,
        @JsonProperty("exponential") EXPONENTIAL,
        @JsonProperty("fibonacci") FIBONACCI
    }

    private static final ReschedulePolicy SERVICE = new ReschedulePolicy(
            0, Duration.ZERO, Duration.ofSeconds(30), DelayFunction.EXPONENTIAL, Duration.ofHours(1), true);
    private static final ReschedulePolicy BATCH = new ReschedulePolicy(
            1, Duration.ofHours(24), Duration.ofSeconds(5), DelayFunction.CONSTANT, Duration.ofSeconds(5), false);
    private static final ReschedulePolicy NONE = new ReschedulePolicy(
            0, Duration.ZERO, Duration.ZERO, DelayFunction.CONSTANT, Duration.ZERO, false);

    /**
     * Services: unlimited, 30s exponential up to 1h (as Nomad). Batch: once in 24h after 5s. System: never.
     */
    public static ReschedulePolicy defaults(JobType type) {
        return switch (type) {
            case SERVICE -> SERVICE;
            case BATCH -> BATCH;
            case SYSTEM -> NONE;
        };
    }

    /** This policy with every field {@code other} sets taken from it; {@code other} may be null. */
    public ReschedulePolicy overriddenBy(ReschedulePolicy other) {
        if (other == null) {
            return this;
        }
        return new ReschedulePolicy(
                Copies.or(other.attempts, attempts),
                Copies.or(other.interval, interval),
                Copies.or(other.delay, delay),
                Copies.or(other.delayFunction, delayFunction),
                Copies.or(other.maxDelay, maxDelay),
                Copies.or(other.unlimited, other.attempts != null && other.unlimited == null ? false : unlimited));
    }

    /** The wait before reschedule number {@code n} (1-based); needs every field set (see {@link #overriddenBy}). */
    public Duration delayBefore(int n) {
        Duration d = switch (delayFunction) {
            case CONSTANT -> delay;
            case EXPONENTIAL -> delay.multipliedBy(1L << Math.min(n - 1, 30));
            case FIBONACCI -> delay.multipliedBy(fibonacci(n));
        };
        return delayFunction != DelayFunction.CONSTANT && d.compareTo(maxDelay) > 0 ? maxDelay : d;
    }

    private static long fibonacci(int n) {
        long a = 1, b = 1;
        for (int i = 2; i < n && b < Integer.MAX_VALUE; i++) {
            long c = a + b;
            a = b;
            b = c;
        }
        return b;
    }
}
