package io.berth.scheduler.placement;

import java.util.HashMap;
import java.util.Map;

/** What one selection saw: nodes evaluated, and nodes filtered and exhausted per reason. Single-threaded. */
final class Metrics {
    int evaluated;
    private final Map<String, int[]> filtered = new HashMap<>();
    private final Map<String, int[]> exhausted = new HashMap<>();

    void reset() {
        evaluated = 0;
        filtered.clear();
        exhausted.clear();
    }

    void rejected(String reason, boolean exhaustion) {
        int[] n = (exhaustion ? exhausted : filtered).computeIfAbsent(reason, r -> new int[1]);
        n[0]++;
    }

    boolean anyExhausted() {
        return !exhausted.isEmpty();
    }

    Plan.Failure failure(String group, int unplaced) {
        Map<String, Integer> f = new HashMap<>(), e = new HashMap<>();
        filtered.forEach((k, v) -> f.put(k, v[0]));
        exhausted.forEach((k, v) -> e.put(k, v[0]));
        return new Plan.Failure(group, unplaced, evaluated, f, e);
    }
}
