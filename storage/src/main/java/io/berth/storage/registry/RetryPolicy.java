package io.berth.storage.registry;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how patiently a registry request is retried after a 5xx answer, a 429 or a failed connection:
 * exponential backoff from {@code initialBackoff}, doubling up to {@code maxBackoff}, with up to half of each
 * delay added at random so that many clients do not retry in step.
 *
 * @param maxAttempts the number of tries in all, at least 1
 * @param initialBackoff the delay before the second try
 * @param maxBackoff the longest delay between two tries
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

    /** Five tries, from 200 ms up to 5 s between them. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofMillis(200), Duration.ofSeconds(5));

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
        }
    }

    /** The delay before try number {@code attempt + 1} (attempt counts from 1). */
    Duration backoff(int attempt) {
        long base = initialBackoff.toMillis() << Math.min(attempt - 1, 20);
        long capped = Math.min(base, maxBackoff.toMillis());
        return Duration.ofMillis(capped + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }
}
