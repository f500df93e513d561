package io.berth.scheduler.control;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * How the scheduler singleton paces itself, from {@code berth.scheduler} (each key optional, defaults below).
 *
 * @param minHeartbeatInterval     the shortest interval agents are asked to heartbeat at ({@code
 *                                 min-heartbeat-interval}, 5s)
 * @param maxHeartbeatsPerSecond   the interval grows with the cluster so that all agents together send at most
 *                                 this many heartbeats a second, as Nomad's {@code max_heartbeats_per_second}
 *                                 ({@code max-heartbeats-per-second}, 50)
 * @param missedHeartbeats         a node is declared down after this many intervals without a heartbeat
 *                                 ({@code missed-heartbeats}, 3)
 * @param unreachableGrace         how long an agent's cluster member may stay unreachable before its nodes are declared
 *                                 down (a removed member's nodes are down at once) ({@code unreachable-grace}, 10s)
 * @param failoverGrace            how long a newly started singleton waits at least for the nodes it knows were
 *                                 ready (and the agent members) to register again before it evaluates, unless they
 *                                 all did sooner; their heartbeat TTL, when longer, is the limit ({@code
 *                                 failover-grace}, 10s)
 * @param tick                     how often timers (health, deadlines, reschedule delays, heartbeat TTLs) are
 *                                 looked at ({@code tick}, 100ms)
 * @param batchTime                how long one batch of evaluations may hold the actor before other messages get a
 *                                 turn ({@code batch-time}, 50ms)
 * @param seed                     the placement engine's random seed; 0 draws one ({@code seed}, 0)
 */
public record SchedulerSettings(Duration minHeartbeatInterval, int maxHeartbeatsPerSecond, int missedHeartbeats,
                                Duration unreachableGrace, Duration failoverGrace, Duration tick, Duration batchTime,
                                long seed) {

    public static final SchedulerSettings DEFAULTS = new SchedulerSettings(Duration.ofSeconds(5), 50, 3,
            Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofMillis(50), 0);

    public SchedulerSettings {
        if (minHeartbeatInterval.isNegative() || minHeartbeatInterval.isZero()) {
            throw new IllegalArgumentException("berth.scheduler.min-heartbeat-interval must be positive");
        }
        if (maxHeartbeatsPerSecond < 1) {
            throw new IllegalArgumentException("berth.scheduler.max-heartbeats-per-second must be at least 1");
        }
        if (missedHeartbeats < 1) {
            throw new IllegalArgumentException("berth.scheduler.missed-heartbeats must be at least 1");
        }
    }

    /** The settings under {@code berth.scheduler} of {@code config}, defaults for the keys it lacks. */
    public static SchedulerSettings fromConfig(Config config) {
        String p = "berth.scheduler.";
        SchedulerSettings d = DEFAULTS;
        return new SchedulerSettings(
                config.hasPath(p + "min-heartbeat-interval") ? config.getDuration(p + "min-heartbeat-interval")
                        : d.minHeartbeatInterval,
                config.hasPath(p + "max-heartbeats-per-second") ? config.getInt(p + "max-heartbeats-per-second")
                        : d.maxHeartbeatsPerSecond,
                config.hasPath(p + "missed-heartbeats") ? config.getInt(p + "missed-heartbeats") : d.missedHeartbeats,
                config.hasPath(p + "unreachable-grace") ? config.getDuration(p + "unreachable-grace")
                        : d.unreachableGrace,
                config.hasPath(p + "failover-grace") ? config.getDuration(p + "failover-grace") : d.failoverGrace,
                config.hasPath(p + "tick") ? config.getDuration(p + "tick") : d.tick,
                config.hasPath(p + "batch-time") ? config.getDuration(p + "batch-time") : d.batchTime,
                config.hasPath(p + "seed") ? config.getLong(p + "seed") : d.seed);
    }

    /**
     * The heartbeat interval for a cluster of {@code nodes} live nodes: the minimum, or longer so that the nodes
     * together stay within {@link #maxHeartbeatsPerSecond} (Nomad's TTL rule: 5,000 nodes at 50/s heartbeat every
     * 100s).
     */
    public Duration heartbeatInterval(int nodes) {
        long spreadMillis = (long) Math.ceil(nodes * 1000.0 / maxHeartbeatsPerSecond);
        return Duration.ofMillis(Math.max(minHeartbeatInterval.toMillis(), spreadMillis));
    }

    /** How long after its last heartbeat a node of a cluster of {@code nodes} is declared down. */
    public Duration heartbeatTtl(int nodes) {
        return heartbeatInterval(nodes).multipliedBy(missedHeartbeats);
    }
}
