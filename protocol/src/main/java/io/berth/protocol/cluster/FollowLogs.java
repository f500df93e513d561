package io.berth.protocol.cluster;

import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Streams what an allocation's task writes from now on, on both streams, to {@code follower} as
 * {@link LogChunk}s, across restarts of the task, until {@link UnfollowLogs} or the follower stops. An unknown
 * allocation or task is answered with one LogChunk whose {@code error} says so.
 *
 * @param task the task's name; null for the allocation's first task
 */
public record FollowLogs(String allocationId, String task, ActorRef<LogChunk> follower) implements AgentCommand {
    public FollowLogs {
        Objects.requireNonNull(allocationId, "allocationId");
        Objects.requireNonNull(follower, "follower");
    }
}
