package io.berth.protocol.job;

import java.util.ArrayList;
import java.util.List;

/**
 * A version range as a {@code version} constraint writes it: comma-separated clauses, all of which must hold,
 * each an operator ({@code =}, {@code !=}, {@code >}, {@code >=}, {@code <}, {@code <=}, or {@code ~>}, the
 * pessimistic operator: {@code ~> 1.2} is {@code >= 1.2, < 2}, {@code ~> 1.2.3} is {@code >= 1.2.3, < 1.3})
 * and a version, e.g. {@code ">= 1.2, < 2"}. A version is dot-separated numbers with an optional leading
 * {@code v}; anything from the first other character on ({@code -1-amd64} in a kernel release) is ignored, and
 * missing trailing numbers count as zero. Immutable and thread-safe.
 */
public final class VersionConstraint {
    private enum Op { EQ, NE, GT, GE, LT, LE, PESSIMISTIC }

    private record Clause(Op op, long[] version) {}

    private final List<Clause> clauses;

    private VersionConstraint(List<Clause> clauses) {
        this.clauses = clauses;
    }

    /**
     * Parses a range.
     *
     * @throws IllegalArgumentException saying which clause is wrong
     */
    public static VersionConstraint parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a version range is required, e.g. \">= 1.2, < 2\"");
        }
        List<Clause> clauses = new ArrayList<>();
        for (String raw : text.split(",", -1)) {
            String c = raw.strip();
            Op op;
            String rest;
            if (c.startsWith(">=")) { op = Op.GE; rest = c.substring(2); }
            else if (c.startsWith("<=")) { op = Op.LE; rest = c.substring(2); }
            else if (c.startsWith("!=")) { op = Op.NE; rest = c.substring(2); }
            else if (c.startsWith("~>")) { op = Op.PESSIMISTIC; rest = c.substring(2); }
            else if (c.startsWith(">")) { op = Op.GT; rest = c.substring(1); }
            else if (c.startsWith("<")) { op = Op.LT; rest = c.substring(1); }
            else if (c.startsWith("=")) { op = Op.EQ; rest = c.substring(1); }
            else { op = Op.EQ; rest = c; }
            long[] v = strict(rest.strip());
            if (v == null) {
                throw new IllegalArgumentException("'" + c + "' is not a version clause: write an operator "
                        + "(=, !=, >, >=, <, <=, ~>) and a version such as 1.2.3");
            }
            clauses.add(new Clause(op, v));
        }
        return new VersionConstraint(List.copyOf(clauses));
    }

    /** True when {@code version} (leniently read, see the class) satisfies every clause; false if it has no number. */
    public boolean matches(String version) {
        long[] v = lenient(version);
        if (v == null) {
            return false;
        }
        for (Clause c : clauses) {
            int cmp = compare(v, c.version);
            boolean ok = switch (c.op) {
                case EQ -> cmp == 0;
                case NE -> cmp != 0;
                case GT -> cmp > 0;
                case GE -> cmp >= 0;
                case LT -> cmp < 0;
                case LE -> cmp <= 0;
                case PESSIMISTIC -> cmp >= 0 && compare(v, pessimisticBound(c.version)) < 0;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static long[] pessimisticBound(long[] v) {
        if (v.length == 1) {
            return new long[] {v[0] + 1};
        }
        long[] bound = new long[v.length - 1];
        System.arraycopy(v, 0, bound, 0, bound.length);
        bound[bound.length - 1]++;
        return bound;
    }

    private static int compare(long[] a, long[] b) {
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            long x = i < a.length ? a[i] : 0, y = i < b.length ? b[i] : 0;
            if (x != y) {
                return Long.compare(x, y);
            }
        }
        return 0;
    }

    /** A version in a clause: digits and dots only. */
    private static long[] strict(String s) {
        long[] v = lenient(s);
        String t = s.startsWith("v") ? s.substring(1) : s;
        return v != null && t.matches("\\d{1,18}(\\.\\d{1,18})*") ? v : null;
    }

    private static long[] lenient(String s) {
        if (s == null) {
            return null;
        }
        int i = s.startsWith("v") ? 1 : 0;
        List<Long> parts = new ArrayList<>();
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && i - start < 18 && Character.isDigit(s.charAt(i))) {
                i++;
            }
            if (i == start) {
                break;
            }
            parts.add(Long.parseLong(s.substring(start, i)));
            if (i < s.length() && s.charAt(i) == '.' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1))) {
                i++;
            } else {
                break;
            }
        }
        if (parts.isEmpty()) {
            return null;
        }
        return parts.stream().mapToLong(Long::longValue).toArray();
    }
}
