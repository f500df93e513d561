package io.berth.scheduler.hollow;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The {@code --option value} arguments of the launchers here; every error names the option. */
final class MainArgs {
    private final Map<String, String> values = new HashMap<>();

    /**
     * @param allowed every option the program takes, without the dashes
     * @throws IllegalArgumentException for an unknown option or one without a value
     */
    MainArgs(String program, String[] args, Set<String> allowed) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || !allowed.contains(a.substring(2))) {
                throw new IllegalArgumentException(program + ": unknown option '" + a + "'; options: --"
                        + String.join(", --", allowed.stream().sorted().toList()));
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(program + ": " + a + " needs a value");
            }
            values.put(a.substring(2), args[++i]);
        }
    }

    String string(String option, String otherwise) {
        return values.getOrDefault(option, otherwise);
    }

    String required(String option) {
        String v = values.get(option);
        if (v == null) {
            throw new IllegalArgumentException("--" + option + " is required");
        }
        return v;
    }

    long number(String option, long otherwise) {
        String v = values.get(option);
        if (v == null) {
            return otherwise;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + option + ": '" + v + "' is not a whole number");
        }
    }

    /** A comma-separated list; empty when absent. */
    List<String> list(String option) {
        String v = values.get(option);
        return v == null || v.isBlank() ? List.of() : List.of(v.split(","));
    }

    /** {@code k=v,k=v}; empty when absent. */
    Map<String, String> pairs(String option) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String pair : list(option)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--" + option + ": '" + pair + "' is not key=value");
            }
            m.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return m;
    }
}
