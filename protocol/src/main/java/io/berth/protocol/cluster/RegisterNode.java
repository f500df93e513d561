package io.berth.protocol.cluster;

import java.util.List;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * An agent joins the schedulers' view of the cluster, or rejoins it after a scheduler failover or its own
 * restart. It sends this to the scheduler singleton when it starts and whenever a {@link HeartbeatAck} says
 * the scheduler does not know it.
 *
 * @param agent       where the scheduler sends {@link AssignAllocation} and {@link StopAllocation}
 * @param allocations every allocation the agent holds that has not ended, and those that ended while nobody
 *                    heard (so a restarted scheduler learns exit codes); never null
 * @param status      the agent's current usage and images
 */
public record RegisterNode(NodeInfo node, ActorRef<AgentCommand> agent, List<AllocationReport> allocations,
                           NodeStatus status, ActorRef<NodeRegistered> replyTo) implements SchedulerCommand {
    public RegisterNode {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(agent, "agent");
        allocations = List.copyOf(allocations);
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(replyTo, "replyTo");
    }
}
