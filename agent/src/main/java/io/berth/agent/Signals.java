package io.berth.agent;

import java.util.Map;

/** Signal names as a task's {@code stop_signal} gives them, to numbers (x86-64 and arm64 agree on these). */
final class Signals {
    static final int SIGKILL = 9;

    private static final Map<String, Integer> NUMBERS = Map.ofEntries(
            Map.entry("SIGHUP", 1), Map.entry("SIGINT", 2), Map.entry("SIGQUIT", 3), Map.entry("SIGKILL", 9),
            Map.entry("SIGUSR1", 10), Map.entry("SIGUSR2", 12), Map.entry("SIGTERM", 15), Map.entry("SIGWINCH", 28),
            Map.entry("SIGPWR", 30));

    private Signals() {}

    /**
     * The number of a signal given as {@code SIGTERM}, {@code TERM} or {@code 15}.
     *
     * @throws IllegalArgumentException naming the signal and the known names
     */
    static int parse(String signal) {
        String s = signal.trim().toUpperCase();
        if (s.matches("\\d{1,2}") && Integer.parseInt(s) >= 1 && Integer.parseInt(s) <= 64) {
            return Integer.parseInt(s);
        }
        Integer n = NUMBERS.get(s.startsWith("SIG") ? s : "SIG" + s);
        if (n == null) {
            throw new IllegalArgumentException("task.stop_signal: unknown signal '" + signal + "'; use one of "
                    + new java.util.TreeSet<>(NUMBERS.keySet()) + " or a number 1-64");
        }
        return n;
    }
}
