package io.berth.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** How the commands print for people: aligned tables, short ids, relative times. Static, thread-safe. */
public final class Output {

    /** How many characters of an id a table shows (as Nomad does): enough to be unique in practice. */
    public static final int SHORT_ID = 8;

    private Output() {}

    /** Prints rows under headers, each column as wide as its widest cell, two spaces apart; no trailing blanks. */
    public static void table(PrintWriter out, List<String> headers, List<List<String>> rows) {
        int[] widths = new int[headers.size()];
        List<List<String>> all = new ArrayList<>();
        all.add(headers);
        all.addAll(rows);
        for (List<String> row : all) {
            for (int i = 0; i < widths.length && i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        for (List<String> row : all) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                String cell = row.get(i);
                line.append(cell);
                if (i < row.size() - 1) {
                    line.append(" ".repeat(widths[i] - cell.length() + 2));
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }

    /** Prints "Key = value" lines with the keys aligned (Nomad's way for one object). */
    public static void fields(PrintWriter out, Map<String, String> fields) {
        int width = fields.keySet().stream().mapToInt(String::length).max().orElse(0);
        fields.forEach((k, v) -> out.println(k + " ".repeat(width - k.length()) + " = " + v));
    }

    /** The first {@value #SHORT_ID} characters of an id. */
    public static String shortId(String id) {
        return id == null ? "" : id.length() <= SHORT_ID ? id : id.substring(0, SHORT_ID);
    }

    /** "3s ago", "5m ago", "2h ago", "4d ago" ("in 3s" for the future); "" for null or an unreadable time. */
    public static String ago(String instant, Instant now) {
        if (instant == null || instant.isEmpty()) {
            return "";
        }
        try {
            return ago(Instant.parse(instant), now);
        } catch (DateTimeParseException e) {
            return instant;
        }
    }

    /** "3s ago" and so on; see {@link #ago(String, Instant)}. */
    public static String ago(Instant instant, Instant now) {
        Duration d = Duration.between(instant, now);
        boolean future = d.isNegative();
        String span = span(d.abs());
        return future ? "in " + span : span + " ago";
    }

    /** The time of day, {@code 14:03:27}, in the local zone: for progress lines. */
    public static String shortTime(Instant instant) {
        return java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss").withZone(java.time.ZoneId.systemDefault())
                .format(instant);
    }

    /** A duration the way people say it: 450ms, 12s, 5m, 3h, 2d. */
    public static String span(Duration d) {
        long s = d.toSeconds();
        if (s < 1) {
            return d.toMillis() + "ms";
        }
        if (s < 120) {
            return s + "s";
        }
        if (s < 120 * 60) {
            return s / 60 + "m";
        }
        if (s < 48 * 3600) {
            return s / 3600 + "h";
        }
        return s / 86400 + "d";
    }

    /** The text of a JSON field, or "" when it is missing or null. */
    public static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isMissingNode() || v.isNull() ? "" : v.asText();
    }

    /** "http=23456,admin=23457" for an object such as ports by label or counts by state. */
    public static String pairs(JsonNode object) {
        List<String> parts = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            parts.add(e.getKey() + "=" + e.getValue().asText());
        }
        return String.join(",", parts);
    }
}
