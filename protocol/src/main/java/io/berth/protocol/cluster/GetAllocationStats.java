package io.berth.protocol.cluster;

import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Asks an agent for an allocation's task's CPU and memory use, from its cgroup.
 *
 * @param task the task's name; null for the allocation's first task (not the sum over its tasks). A name the
 *             allocation has no task of is answered with an {@link AllocationStats} whose error says so.
 */
public record GetAllocationStats(String allocationId, String task, ActorRef<AllocationStats> replyTo) implements AgentCommand {
    public GetAllocationStats {
        Objects.requireNonNull(allocationId, "allocationId");
        Objects.requireNonNull(replyTo, "replyTo");
    }
}
