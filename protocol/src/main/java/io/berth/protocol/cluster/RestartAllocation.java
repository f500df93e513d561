package io.berth.protocol.cluster;

import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Restarts an allocation's task in place (stop signal, timeout, SIGKILL, start again) without counting it
 * against the restart policy. Answered with one {@link StopAnswer} saying whether it was accepted.
 *
 * @param task the task's name; null for every task of the allocation (accepted only when every task accepts;
 *             the reason then names each task that did not). An unknown name is refused with a reason naming
 *             the allocation, the task and the tasks it has.
 */
public record RestartAllocation(String allocationId, String task, ActorRef<StopAnswer> replyTo) implements AgentCommand {
    public RestartAllocation {
        Objects.requireNonNull(allocationId, "allocationId");
        Objects.requireNonNull(replyTo, "replyTo");
    }
}
