package io.berth.protocol.job;

import java.time.Duration;

/**
 * How a new job version replaces running allocations: at most {@code max_parallel} at a time, each new one
 * counted healthy once it has passed its checks for {@code min_healthy_time}, failed if not healthy within
 * {@code healthy_deadline}. With {@code canary} > 0 that many new allocations are placed first beside the old
 * ones and the rest waits for promotion (by hand, or automatically once the canaries are healthy when
 * {@code auto_promote} is set). {@code auto_revert} rolls back to the last stable version when a deployment
 * fails. Defaults: max_parallel 1, min_healthy_time 10s, healthy_deadline 5m, no canary, no auto-revert.
 */
public record UpdateStrategy(
        Integer maxParallel,
        Duration minHealthyTime,
        Duration healthyDeadline,
        Integer canary,
        Boolean autoRevert,
        Boolean autoPromote) {

    public static final UpdateStrategy DEFAULT = new UpdateStrategy(null, null, null, null, null, null);

    public UpdateStrategy {
        maxParallel = Copies.or(maxParallel, 1);
        minHealthyTime = Copies.or(minHealthyTime, Duration.ofSeconds(10));
        healthyDeadline = Copies.or(healthyDeadline, Duration.ofMinutes(5));
        canary = Copies.or(canary, 0);
        autoRevert = Copies.or(autoRevert, false);
        autoPromote = Copies.or(autoPromote, false);
    }
}
