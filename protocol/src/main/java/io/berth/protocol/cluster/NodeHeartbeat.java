package io.berth.protocol.cluster;

import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/** An agent's periodic sign of life, with its current usage and images. Answered with a {@link HeartbeatAck}. */
public record NodeHeartbeat(NodeStatus status, ActorRef<HeartbeatAck> replyTo) implements SchedulerCommand {
    public NodeHeartbeat {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(replyTo, "replyTo");
    }
}
