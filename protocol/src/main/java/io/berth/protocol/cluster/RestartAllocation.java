package io.berth.protocol.cluster;

import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Restarts an allocation's task in place (stop signal, timeout, SIGKILL, start again) without counting it
 * against the restart policy. Answered with a {@link StopAnswer} saying whether it was accepted.
 */
public record RestartAllocation(String allocationId, ActorRef<StopAnswer> replyTo) implements AgentCommand {
    public RestartAllocation {
        Objects.requireNonNull(allocationId, "allocationId");
        Objects.requireNonNull(replyTo, "replyTo");
    }
}
