package io.berth.protocol.job;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.time.Duration;

/**
 * Durations as a job spec writes them: one or more whole numbers each followed by a unit, {@code h}, {@code m},
 * {@code s} or {@code ms}, largest first ({@code "30s"}, {@code "5m"}, {@code "1h30m"}, {@code "250ms"}), or
 * {@code "0"}. Negative and fractional values are not accepted.
 */
public final class Durations {
    private Durations() {}

    /**
     * Parses a duration.
     *
     * @throws IllegalArgumentException naming the text and the expected form
     */
    public static Duration parse(String text) {
        if (text == null || text.isEmpty()) {
            throw bad(text);
        }
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        Duration total = Duration.ZERO;
        int i = 0;
        int lastRank = Integer.MAX_VALUE;
        while (i < text.length()) {
            int start = i;
            while (i < text.length() && Character.isDigit(text.charAt(i))) {
                i++;
            }
            if (i == start || i - start > 9) {
                throw bad(text);
            }
            long n = Long.parseLong(text.substring(start, i));
            int unitStart = i;
            while (i < text.length() && Character.isLetter(text.charAt(i))) {
                i++;
            }
            String unit = text.substring(unitStart, i);
            int rank;
            switch (unit) {
                case "h" -> { total = total.plusHours(n); rank = 3; }
                case "m" -> { total = total.plusMinutes(n); rank = 2; }
                case "s" -> { total = total.plusSeconds(n); rank = 1; }
                case "ms" -> { total = total.plusMillis(n); rank = 0; }
                default -> throw bad(text);
            }
            if (rank >= lastRank) {
                throw bad(text);
            }
            lastRank = rank;
        }
        return total;
    }

    /** The shortest spelling {@link #parse} reads back to the same duration (whole milliseconds). */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0";
        }
        StringBuilder b = new StringBuilder();
        long h = ms / 3_600_000, m = ms / 60_000 % 60, s = ms / 1000 % 60, rest = ms % 1000;
        if (h > 0) b.append(h).append('h');
        if (m > 0) b.append(m).append('m');
        if (s > 0) b.append(s).append('s');
        if (rest > 0) b.append(rest).append("ms");
        return b.toString();
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("'" + text + "' is not a duration: write it like \"30s\", \"5m\", "
                + "\"1h30m\" or \"250ms\"");
    }

    /** Jackson support: durations read from and written as these strings only (a bare number is an error). */
    static SimpleModule module() {
        SimpleModule module = new SimpleModule("berth-durations");
        module.addDeserializer(Duration.class, new JsonDeserializer<>() {
            @Override
            public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                if (p.currentToken() != JsonToken.VALUE_STRING) {
                    return (Duration) ctxt.handleUnexpectedToken(Duration.class, p.currentToken(), p,
                            "a duration must be a string like \"30s\" or \"5m\"");
                }
                try {
                    return parse(p.getText());
                } catch (IllegalArgumentException e) {
                    return (Duration) ctxt.handleWeirdStringValue(Duration.class, p.getText(), e.getMessage());
                }
            }
        });
        module.addSerializer(Duration.class, new JsonSerializer<>() {
            @Override
            public void serialize(Duration value, JsonGenerator gen, SerializerProvider serializers)
                    throws IOException {
                gen.writeString(format(value));
            }
        });
        return module;
    }
}
