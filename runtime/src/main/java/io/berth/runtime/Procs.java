package io.berth.runtime;

import io.berth.runtime.linux.Linux;
import java.nio.charset.StandardCharsets;

/** Reads /proc/&lt;pid&gt;/stat: whether a process lives and when it started. */
final class Procs {
    private Procs() {}

    /** Field 22 of /proc/pid/stat (start time in clock ticks after boot), or -1 when the process is gone. */
    static long startTime(int pid) {
        String[] f = fields(pid);
        return f == null ? -1 : Long.parseLong(f[19]);
    }

    /** Whether pid is the process that started at startTime and has not exited (a zombie has exited). */
    static boolean alive(int pid, long startTime) {
        String[] f = fields(pid);
        return f != null && !f[0].equals("Z") && !f[0].equals("X") && Long.parseLong(f[19]) == startTime;
    }

    /** The fields after the command name: f[0] is the state (field 3). */
    private static String[] fields(int pid) {
        if (pid <= 0) {
            return null;
        }
        // libc rather than java.nio: this runs several times per container (create, start, delete, state).
        byte[] bytes = Linux.get().readSmall("/proc/" + pid + "/stat", 4096);
        if (bytes == null) {
            return null;
        }
        String stat = new String(bytes, StandardCharsets.US_ASCII);
        int close = stat.lastIndexOf(')');  // the command name may contain spaces and parentheses
        return stat.substring(close + 2).split(" ");
    }
}
