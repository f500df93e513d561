package io.berth.scheduler.placement;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * What one selection saw: nodes evaluated, and nodes rejected per reason. Checks return the same String instance
 * for the same cause and there are only a handful of causes, so counting is an identity scan of a small array
 * rather than hashing on every rejected node. Single-threaded.
 */
final class Metrics {
    int evaluated;
    private String[] reasons = new String[8];
    private boolean[] exhaustion = new boolean[8];
    private int[] counts = new int[8];
    private int size;

    void reset() {
        evaluated = 0;
        for (int i = 0; i < size; i++) {
            counts[i] = 0;
        }
    }

    void rejected(String reason, boolean isExhaustion) {
        for (int i = 0; i < size; i++) {
            if (reasons[i] == reason) {
                counts[i]++;
                return;
            }
        }
        if (size == reasons.length) {
            reasons = Arrays.copyOf(reasons, size * 2);
            exhaustion = Arrays.copyOf(exhaustion, size * 2);
            counts = Arrays.copyOf(counts, size * 2);
        }
        reasons[size] = reason;
        exhaustion[size] = isExhaustion;
        counts[size++] = 1;
    }

    boolean anyExhausted() {
        for (int i = 0; i < size; i++) {
            if (exhaustion[i] && counts[i] > 0) {
                return true;
            }
        }
        return false;
    }

    Plan.Failure failure(String group, int unplaced) {
        Map<String, Integer> filtered = new HashMap<>(), exhausted = new HashMap<>();
        for (int i = 0; i < size; i++) {
            if (counts[i] > 0) {
                (exhaustion[i] ? exhausted : filtered).merge(reasons[i], counts[i], Integer::sum);
            }
        }
        return new Plan.Failure(group, unplaced, evaluated, filtered, exhausted);
    }
}
