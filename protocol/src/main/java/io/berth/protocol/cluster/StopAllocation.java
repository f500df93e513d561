package io.berth.protocol.cluster;

import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Stop an allocation: the task's stop signal, its timeout, then SIGKILL. Answered with a {@link StopAnswer};
 * the STOPPED state follows as an {@link AllocationStateChanged}.
 *
 * @param replyTo may be null when nobody waits for the answer
 */
public record StopAllocation(String allocationId, ActorRef<StopAnswer> replyTo) implements AgentCommand {
    public StopAllocation {
        Objects.requireNonNull(allocationId, "allocationId");
    }
}
