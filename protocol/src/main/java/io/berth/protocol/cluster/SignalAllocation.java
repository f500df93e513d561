package io.berth.protocol.cluster;

import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Sends a signal ({@code SIGHUP}, {@code HUP} or a number) to an allocation's task. Answered with a
 * {@link StopAnswer} saying whether it was delivered, and if not why.
 *
 * @param task the task's name; null for every task of the allocation (delivered only when it reached every
 *             task; the reason then names each task it did not). An unknown name is refused with a reason naming
 *             the allocation, the task and the tasks it has.
 */
public record SignalAllocation(String allocationId, String task, String signal, ActorRef<StopAnswer> replyTo)
        implements AgentCommand {
    public SignalAllocation {
        Objects.requireNonNull(allocationId, "allocationId");
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(replyTo, "replyTo");
    }
}
