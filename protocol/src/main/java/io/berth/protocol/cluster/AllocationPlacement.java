package io.berth.protocol.cluster;

import java.time.Instant;
import java.util.List;

/**
 * The scheduler's facts about an allocation that must survive a scheduler failover. The scheduler sends them in
 * {@link AssignAllocation}; the agent keeps them with the allocation and echoes them unchanged in every
 * {@link AllocationReport}, from which a new scheduler leader rebuilds its view.
 *
 * @param index                the instance number within its group, 0..count-1; -1 only in {@link #NONE}
 * @param canary               whether it is a canary of a deployment
 * @param deploymentId         the deployment that placed it; null when none did
 * @param previousAllocationId the allocation it replaced (a failed, lost or outdated one); null when none
 * @param rescheduledAt        when each reschedule that led to it happened, oldest first (a reschedule policy's
 *                             attempts count those within its interval); never null
 */
public record AllocationPlacement(int index, boolean canary, String deploymentId, String previousAllocationId,
                                  List<Instant> rescheduledAt) implements CborSerializable {
    /** Nothing known: what an allocation assigned without placement facts (a test, a benchmark) reports. */
    public static final AllocationPlacement NONE = new AllocationPlacement(-1, false, null, null, List.of());

    public AllocationPlacement {
        if (index < -1) {
            throw new IllegalArgumentException("placement.index: " + index + " is negative; give the instance number"
                    + " within the group (0..count-1), or use AllocationPlacement.NONE when it is unknown");
        }
        if (rescheduledAt == null) {
            throw new IllegalArgumentException("placement.rescheduled_at: missing; give an empty list when the"
                    + " allocation was never rescheduled");
        }
        for (int i = 0; i < rescheduledAt.size(); i++) {
            if (rescheduledAt.get(i) == null) {
                throw new IllegalArgumentException("placement.rescheduled_at[" + i + "]: null; give the instant of"
                        + " each reschedule");
            }
        }
        rescheduledAt = List.copyOf(rescheduledAt);
    }

    /** Whether it carries the scheduler's facts (false for {@link #NONE}). */
    public boolean known() {
        return index >= 0;
    }
}
