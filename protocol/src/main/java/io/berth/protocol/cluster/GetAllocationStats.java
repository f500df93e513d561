package io.berth.protocol.cluster;

import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/** Asks an agent for an allocation's CPU and memory use, from its cgroup. */
public record GetAllocationStats(String allocationId, ActorRef<AllocationStats> replyTo) implements AgentCommand {
    public GetAllocationStats {
        Objects.requireNonNull(allocationId, "allocationId");
        Objects.requireNonNull(replyTo, "replyTo");
    }
}
