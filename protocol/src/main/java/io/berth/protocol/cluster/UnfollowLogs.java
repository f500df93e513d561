package io.berth.protocol.cluster;

import org.apache.pekko.actor.typed.ActorRef;

/** Ends a {@link FollowLogs}; {@code task} is the one the FollowLogs named (null for the first task). */
public record UnfollowLogs(String allocationId, String task, ActorRef<LogChunk> follower) implements AgentCommand {}
