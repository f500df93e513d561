package io.berth.scheduler.hollow;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What every hollow node of a fleet offers and how its fake runtime behaves.
 *
 * @param datacenter  the nodes' datacenter
 * @param cpuMhz      CPU each node offers
 * @param memoryMb    memory each node offers
 * @param diskMb      disk each node offers
 * @param labels      the operator labels of every node; never null
 * @param stepDelay   between PENDING, PULLING, STARTING and RUNNING; zero reports them all at once
 * @param pullDelay   added before STARTING when the node does not hold the task's image yet
 * @param tick        the fleet's one shared timer: heartbeats fall due and registrations are retried on it
 * @param registerRetry how long a RegisterNode may stay unanswered before it is sent again
 * @param clock       the time in state changes and reports
 */
public record HollowSettings(String datacenter, int cpuMhz, long memoryMb, long diskMb, Map<String, String> labels,
                             Duration stepDelay, Duration pullDelay, Duration tick, Duration registerRetry,
                             Clock clock) {
    public HollowSettings {
        Objects.requireNonNull(datacenter, "datacenter");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        Objects.requireNonNull(stepDelay, "stepDelay");
        Objects.requireNonNull(pullDelay, "pullDelay");
        Objects.requireNonNull(tick, "tick");
        Objects.requireNonNull(registerRetry, "registerRetry");
        Objects.requireNonNull(clock, "clock");
        if (cpuMhz <= 0 || memoryMb <= 0 || diskMb < 0) {
            throw new IllegalArgumentException("hollow node resources must be positive: cpuMhz=" + cpuMhz
                    + " memoryMb=" + memoryMb + " diskMb=" + diskMb);
        }
        if (tick.isZero() || tick.isNegative()) {
            throw new IllegalArgumentException("tick must be positive, was " + tick);
        }
    }

    /** dc1 nodes of 4 cores and 8 GiB, every state change at once, a 500 ms tick, registration retried after 5 s. */
    public static HollowSettings defaults() {
        return new HollowSettings("dc1", 4_000, 8_192, 100_000, Map.of(), Duration.ZERO, Duration.ZERO,
                Duration.ofMillis(500), Duration.ofSeconds(5), Clock.systemUTC());
    }

    public HollowSettings withResources(int cpu, long memory) {
        return new HollowSettings(datacenter, cpu, memory, diskMb, labels, stepDelay, pullDelay, tick, registerRetry,
                clock);
    }

    public HollowSettings withPlacement(String dc, Map<String, String> nodeLabels) {
        return new HollowSettings(dc, cpuMhz, memoryMb, diskMb, nodeLabels, stepDelay, pullDelay, tick, registerRetry,
                clock);
    }

    public HollowSettings withDelays(Duration step, Duration pull) {
        return new HollowSettings(datacenter, cpuMhz, memoryMb, diskMb, labels, step, pull, tick, registerRetry, clock);
    }

    public HollowSettings withTiming(Duration fleetTick, Duration retry) {
        return new HollowSettings(datacenter, cpuMhz, memoryMb, diskMb, labels, stepDelay, pullDelay, fleetTick, retry,
                clock);
    }
}
