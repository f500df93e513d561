package io.berth.protocol.cluster;

import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Streams what an allocation's task writes from now on, on both streams, to {@code follower} as
 * {@link LogChunk}s, across restarts of the task, until {@link UnfollowLogs} or the follower stops. An unknown
 * allocation is answered with one LogChunk whose {@code error} says so.
 */
public record FollowLogs(String allocationId, ActorRef<LogChunk> follower) implements AgentCommand {
    public FollowLogs {
        Objects.requireNonNull(allocationId, "allocationId");
        Objects.requireNonNull(follower, "follower");
    }
}
