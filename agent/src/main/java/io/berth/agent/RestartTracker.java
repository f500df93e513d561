package io.berth.agent;

import io.berth.protocol.job.RestartPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

/**
 * Decides, each time a task ends on its own, whether and when it is restarted under a {@link RestartPolicy}:
 * at most {@code attempts} restarts within any {@code interval}; the wait before each one doubles from
 * {@code delay} up to {@code maxDelay}; a run that lasted at least {@code stableAfter} resets the doubling.
 * When the attempts are spent, mode {@code fail} gives up and mode {@code delay} waits until the oldest
 * restart leaves the interval.
 *
 * <p>What it remembers is its {@link History}, which the agent persists with the allocation whenever a restart is
 * decided, so that the tracker of a later agent process (live restore) goes on from it instead of starting afresh.
 *
 * <p>Not thread-safe: one per supervisor, used from its actor. Time comes from the given {@link Clock}.
 */
final class RestartTracker {

    /** What to do after an exit: restart after {@code delay}, or give up (then {@code delay} is null). */
    record Decision(Duration delay, String reason) {
        boolean giveUp() {
            return delay == null;
        }
    }

    /**
     * What a tracker remembers: when each restart within the interval happened (its scheduled time), oldest first,
     * and how many restarts in a row the back-off has doubled for.
     */
    record History(List<Instant> restarts, int consecutive) {
        static final History NONE = new History(List.of(), 0);

        History {
            restarts = restarts == null ? List.of() : List.copyOf(restarts);
        }
    }

    private final RestartPolicy policy;
    private final Duration stableAfter;
    private final Clock clock;
    /** When each restart within the interval happened (its scheduled time). */
    private final Deque<Instant> restarts = new ArrayDeque<>();
    private int consecutive;

    /** A tracker that goes on from {@code history} ({@link History#NONE} for a task never restarted). */
    RestartTracker(RestartPolicy policy, Duration stableAfter, Clock clock, History history) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.stableAfter = Objects.requireNonNull(stableAfter, "stableAfter");
        this.clock = Objects.requireNonNull(clock, "clock");
        restarts.addAll(history.restarts());
        consecutive = history.consecutive();
    }

    /** What it remembers now, to persist after a decision. */
    History history() {
        return new History(List.copyOf(restarts), consecutive);
    }

    /**
     * Records that a run which started at {@code startedAt} just ended, and decides.
     */
    Decision onExit(Instant startedAt) {
        Instant now = clock.instant();
        if (Duration.between(startedAt, now).compareTo(stableAfter) >= 0) {
            consecutive = 0;
        }
        while (!restarts.isEmpty() && !restarts.peekFirst().isAfter(now.minus(policy.interval()))) {
            restarts.removeFirst();
        }
        if (restarts.size() >= policy.attempts()) {
            if (policy.mode() == RestartPolicy.Mode.FAIL) {
                return new Decision(null, "restart policy exhausted: " + policy.attempts() + " restarts within "
                        + policy.interval());
            }
            Duration wait = Duration.between(now, restarts.peekFirst().plus(policy.interval()));
            restarts.removeFirst();
            restarts.addLast(now.plus(wait));
            consecutive = 0;
            return new Decision(wait, "restart policy: " + policy.attempts() + " restarts within " + policy.interval()
                    + ", waiting for the interval to end");
        }
        consecutive++;
        Duration delay = policy.delayBefore(consecutive);
        restarts.addLast(now.plus(delay));
        return new Decision(delay, "restart " + restarts.size() + " of " + policy.attempts() + " within "
                + policy.interval() + " in " + delay);
    }
}
