package io.berth.protocol.cluster;

import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Sends a signal ({@code SIGHUP}, {@code HUP} or a number) to an allocation's task. Answered with a
 * {@link StopAnswer} saying whether it was delivered, and if not why.
 */
public record SignalAllocation(String allocationId, String signal, ActorRef<StopAnswer> replyTo)
        implements AgentCommand {
    public SignalAllocation {
        Objects.requireNonNull(allocationId, "allocationId");
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(replyTo, "replyTo");
    }
}
