package io.berth.scheduler.placement;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * One node attribute as small integers, for spreads: the distinct values sorted, each node's code (-1 when it lacks
 * the attribute), and the nodes holding each code (and lacking it) in index order. Immutable once built.
 */
final class AttributeCodes {
    final String[] values;
    final int[] codeOf;
    final int[][] nodesOf;
    final int[] absent;

    private AttributeCodes(String[] values, int[] codeOf, int[][] nodesOf, int[] absent) {
        this.values = values;
        this.codeOf = codeOf;
        this.nodesOf = nodesOf;
        this.absent = absent;
    }

    static AttributeCodes of(String[] column) {
        TreeSet<String> distinct = new TreeSet<>();
        for (String v : column) {
            if (v != null) {
                distinct.add(v);
            }
        }
        String[] values = distinct.toArray(new String[0]);
        Map<String, Integer> code = new HashMap<>();
        for (int i = 0; i < values.length; i++) {
            code.put(values[i], i);
        }
        int[] codeOf = new int[column.length];
        int[] sizes = new int[values.length];
        int absentCount = 0;
        for (int n = 0; n < column.length; n++) {
            codeOf[n] = column[n] == null ? -1 : code.get(column[n]);
            if (codeOf[n] < 0) {
                absentCount++;
            } else {
                sizes[codeOf[n]]++;
            }
        }
        int[][] nodesOf = new int[values.length][];
        for (int c = 0; c < values.length; c++) {
            nodesOf[c] = new int[sizes[c]];
        }
        int[] absent = new int[absentCount];
        int[] fill = new int[values.length];
        int a = 0;
        for (int n = 0; n < column.length; n++) {
            if (codeOf[n] < 0) {
                absent[a++] = n;
            } else {
                nodesOf[codeOf[n]][fill[codeOf[n]]++] = n;
            }
        }
        return new AttributeCodes(values, codeOf, nodesOf, absent);
    }

    /** The code of a value, or -1 when no node has it. */
    int codeOf(String value) {
        int i = Arrays.binarySearch(values, value);
        return i >= 0 ? i : -1;
    }
}
