package io.berth.runtime.cli;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Linux signal names and numbers (x86-64 and arm64 share them), parsed as runc's {@code kill} does: a name
 * with or without {@code SIG} in any case ({@code TERM}, {@code SIGkill}), a number ({@code 9}), or a
 * real-time signal ({@code RTMIN+3}, {@code SIGRTMAX-1}).
 */
final class Signals {
    /** Index = signal number; 32 and 33 belong to the C library and have no name. */
    private static final List<String> NAMES = List.of("", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS",
            "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP",
            "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");
    private static final Map<String, Integer> ALIASES = Map.of("IOT", 6, "CLD", 17, "POLL", 29);
    static final int RTMIN = 34;
    static final int RTMAX = 64;

    private Signals() {}

    /**
     * The signal number {@code spec} names.
     *
     * @throws CliException naming the value when it is no signal
     */
    static int parse(String spec) {
        String s = spec.strip().toUpperCase(Locale.ROOT);
        if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
            int n = s.length() > 3 ? -1 : Integer.parseInt(s);
            if (n >= 1 && n <= RTMAX && n != 32 && n != 33) {
                return n;
            }
            throw unknown(spec);
        }
        if (s.startsWith("SIG")) {
            s = s.substring(3);
        }
        int n = NAMES.indexOf(s);
        if (n > 0) {
            return n;
        }
        if (ALIASES.containsKey(s)) {
            return ALIASES.get(s);
        }
        int rt = realtime(s);
        if (rt > 0) {
            return rt;
        }
        throw unknown(spec);
    }

    /** {@code SIGTERM} for 15, {@code SIGRTMIN+2} for 36. */
    static String name(int signal) {
        if (signal > 0 && signal < NAMES.size() && !NAMES.get(signal).isEmpty()) {
            return "SIG" + NAMES.get(signal);
        }
        if (signal >= RTMIN && signal <= RTMAX) {
            return signal == RTMIN ? "SIGRTMIN" : "SIGRTMIN+" + (signal - RTMIN);
        }
        return "signal " + signal;
    }

    private static int realtime(String s) {
        try {
            if (s.equals("RTMIN")) {
                return RTMIN;
            }
            if (s.equals("RTMAX")) {
                return RTMAX;
            }
            if (s.startsWith("RTMIN+")) {
                int n = RTMIN + Integer.parseInt(s.substring(6));
                return n >= RTMIN && n <= RTMAX ? n : -1;
            }
            if (s.startsWith("RTMAX-")) {
                int n = RTMAX - Integer.parseInt(s.substring(6));
                return n >= RTMIN && n <= RTMAX ? n : -1;
            }
        } catch (NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static CliException unknown(String spec) {
        return new CliException("unknown signal '" + spec + "': give a name (TERM, SIGKILL, RTMIN+1) or a number from 1 to 64");
    }
}
