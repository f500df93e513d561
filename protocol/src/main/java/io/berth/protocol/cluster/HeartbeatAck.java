package io.berth.protocol.cluster;

/**
 * The scheduler's answer to a {@link NodeHeartbeat}.
 *
 * @param known           false when the scheduler does not know the node (it failed over, or declared the node
 *                        down): the agent must send {@link RegisterNode} again, with all its allocations
 * @param heartbeatMillis when the next heartbeat is due
 */
public record HeartbeatAck(String node, boolean known, long heartbeatMillis) implements CborSerializable {}
