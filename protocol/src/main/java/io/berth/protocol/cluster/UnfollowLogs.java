package io.berth.protocol.cluster;

import org.apache.pekko.actor.typed.ActorRef;

/** Ends a {@link FollowLogs}. */
public record UnfollowLogs(String allocationId, ActorRef<LogChunk> follower) implements AgentCommand {}
