package io.berth.protocol.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * A set of host ports, written as Nomad's {@code reserved_ports}: ports and inclusive ranges separated by commas,
 * {@code 22,80,8000-8100}. Kept as sorted, disjoint, non-adjacent ranges, so a large range costs two numbers and a
 * lookup is a binary search. Immutable and thread-safe; {@link #toString} gives the canonical text
 * ({@code 80-81} for {@code 81,80}), which {@link #parse} reads back to an equal set.
 */
public final class PortRanges {
    /** No ports. */
    public static final PortRanges NONE = new PortRanges(new int[0], new int[0]);

    private final int[] low;
    private final int[] high;

    private PortRanges(int[] low, int[] high) {
        this.low = low;
        this.high = high;
    }

    /**
     * Reads {@code 22,80,8000-8100} (blanks around entries are allowed; null or blank is {@link #NONE}).
     *
     * @throws IllegalArgumentException naming the bad entry and what is allowed, for an entry that is not a port
     *                                  (1-65535) or a range {@code low-high} with low at most high
     */
    public static PortRanges parse(String text) {
        if (text == null || text.isBlank()) {
            return NONE;
        }
        List<int[]> ranges = new ArrayList<>();
        for (String entry : text.split(",", -1)) {
            String e = entry.strip();
            int dash = e.indexOf('-');
            int lo = port(dash < 0 ? e : e.substring(0, dash), e);
            int hi = dash < 0 ? lo : port(e.substring(dash + 1), e);
            if (lo > hi) {
                throw new IllegalArgumentException("'" + e + "' is a range whose first port is above its last; write "
                        + "it low-high, as " + hi + "-" + lo);
            }
            ranges.add(new int[] {lo, hi});
        }
        return of(ranges);
    }

    private static int port(String s, String entry) {
        String p = s.strip();
        if (!p.isEmpty() && p.length() <= 5 && p.chars().allMatch(c -> c >= '0' && c <= '9')) {
            int port = Integer.parseInt(p);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        }
        throw new IllegalArgumentException("'" + entry + "' is not a port (1-65535) or a range of ports (low-high), "
                + "as in 22,80,8000-8100");
    }

    /** The given ports (each 1-65535). */
    public static PortRanges of(Collection<Integer> ports) {
        List<int[]> ranges = new ArrayList<>(ports.size());
        for (int p : ports) {
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("not a port: " + p);
            }
            ranges.add(new int[] {p, p});
        }
        return of(ranges);
    }

    private static PortRanges of(List<int[]> ranges) {
        if (ranges.isEmpty()) {
            return NONE;
        }
        ranges.sort((a, b) -> Integer.compare(a[0], b[0]));
        int[] lo = new int[ranges.size()], hi = new int[ranges.size()];
        int n = 0;
        for (int[] r : ranges) {
            if (n > 0 && r[0] <= hi[n - 1] + 1) {
                hi[n - 1] = Math.max(hi[n - 1], r[1]); // overlapping or adjacent: one range
            } else {
                lo[n] = r[0];
                hi[n++] = r[1];
            }
        }
        return new PortRanges(Arrays.copyOf(lo, n), Arrays.copyOf(hi, n));
    }

    /** The ports in either set. */
    public PortRanges union(PortRanges other) {
        if (other.isEmpty()) {
            return this;
        }
        if (isEmpty()) {
            return other;
        }
        List<int[]> ranges = new ArrayList<>(low.length + other.low.length);
        for (PortRanges s : List.of(this, other)) {
            for (int i = 0; i < s.low.length; i++) {
                ranges.add(new int[] {s.low[i], s.high[i]});
            }
        }
        return of(ranges);
    }

    public boolean isEmpty() {
        return low.length == 0;
    }

    public boolean contains(int port) {
        int at = Arrays.binarySearch(low, port);
        if (at >= 0) {
            return true;
        }
        int before = -at - 2; // the last range starting below the port
        return before >= 0 && port <= high[before];
    }

    /** How many of the ports lie in {@code min..max} (inclusive). */
    public int countIn(int min, int max) {
        int count = 0;
        for (int i = 0; i < low.length; i++) {
            int lo = Math.max(low[i], min), hi = Math.min(high[i], max);
            if (lo <= hi) {
                count += hi - lo + 1;
            }
        }
        return count;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PortRanges p && Arrays.equals(low, p.low) && Arrays.equals(high, p.high);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(low) + Arrays.hashCode(high);
    }

    /** The canonical text: {@code 22,80,8000-8100}; "" for none. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < low.length; i++) {
            if (i > 0) {
                s.append(',');
            }
            s.append(low[i]);
            if (high[i] != low[i]) {
                s.append('-').append(high[i]);
            }
        }
        return s.toString();
    }
}
