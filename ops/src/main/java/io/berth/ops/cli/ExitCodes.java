package io.berth.ops.cli;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The exit codes of every {@code berth} command, listed in the help and the README. Scripts can tell a job
 * that does not exist from a cluster that cannot be reached.
 */
public final class ExitCodes {
    /** The command did what it was asked. */
    public static final int OK = 0;
    /** The operation failed: a deployment failed, an allocation did not start, the server answered with an error. */
    public static final int FAILED = 1;
    /** Invalid usage or input: an unknown option, a missing argument, a job file the validator refuses. */
    public static final int USAGE = 2;
    /** What was named does not exist: no such job, allocation, node or file. */
    public static final int NOT_FOUND = 3;
    /** The API could not be reached: connection refused, timed out, not a Berth API. */
    public static final int UNREACHABLE = 4;
    /** The API refused the token: missing or wrong (401), or not allowed to do this (403). */
    public static final int DENIED = 5;

    /** The list picocli prints under "Exit codes:" in every command's help. */
    public static final Map<String, String> HELP = help();

    private static Map<String, String> help() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("0", "success");
        m.put("1", "the operation failed (a deployment failed, the server answered with an error)");
        m.put("2", "invalid usage or input (unknown option, invalid job file: the field paths are printed)");
        m.put("3", "not found (no such job, allocation, node or file)");
        m.put("4", "the API could not be reached (connection refused, timed out)");
        m.put("5", "the token was missing, wrong (401) or not allowed (403)");
        return Collections.unmodifiableMap(m);
    }

    private ExitCodes() {}
}
