package io.berth.ops.bench;

import java.util.Arrays;
import java.util.List;

/** Nearest-rank percentiles of a sample of durations in milliseconds. */
record Percentiles(double p50, double p90, double p99) {
    static Percentiles of(List<Double> samples) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("no samples");
        }
        double[] sorted = samples.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        return new Percentiles(rank(sorted, 50), rank(sorted, 90), rank(sorted, 99));
    }

    private static double rank(double[] sorted, int percentile) {
        int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
