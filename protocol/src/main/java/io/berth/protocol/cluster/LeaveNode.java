package io.berth.protocol.cluster;

import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * An agent that drains for shutdown ({@code berth.agent.drain-on-shutdown}) says it is leaving, before it stops its
 * allocations: the scheduler then places nothing new on the node and moves what runs there to other nodes (Nomad's
 * {@code leave_on_interrupt} with a drain). The node becomes eligible again when its agent registers again, unless
 * an operator turned it off. Answered with a {@link LeaveAck}; an agent waits for it only a bounded time, so its
 * shutdown never hangs on a scheduler that does not answer.
 *
 * @param node the agent's node name
 */
public record LeaveNode(String node, ActorRef<LeaveAck> replyTo) implements SchedulerCommand {
    public LeaveNode {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(replyTo, "replyTo");
    }
}
