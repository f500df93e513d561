package io.berth.scheduler.control;

import java.util.regex.Pattern;

/**
 * A batch allocation that completed, as {@link DurableSet#BATCH_DONE} keeps it: enough for a new singleton to hold
 * its slot (the job's version, group and index) on its node, under its id.
 */
record Completion(String jobId, long jobVersion, String group, int index, String allocationId, String node) {
    /** Between the fields: a control character, which job ids and group names (validated), allocation ids and node
     * names (host names) do not hold. */
    private static final String SEPARATOR = "\u001f";

    static Completion of(AllocEntry a) {
        return new Completion(a.jobId, a.jobVersion, a.group, a.index, a.id, a.node);
    }

    /** The completion {@link #encoded} made, or null when {@code s} is not one. */
    static Completion decode(String s) {
        String[] f = s.split(Pattern.quote(SEPARATOR), -1);
        try {
            return f.length == 6 ? new Completion(f[0], Long.parseLong(f[1]), f[2], Integer.parseInt(f[3]), f[4], f[5])
                    : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    String encoded() {
        return String.join(SEPARATOR, jobId, Long.toString(jobVersion), group, Integer.toString(index), allocationId,
                node);
    }
}
