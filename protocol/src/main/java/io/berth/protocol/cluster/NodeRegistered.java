package io.berth.protocol.cluster;

/**
 * The scheduler's answer to {@link RegisterNode}.
 *
 * @param heartbeatMillis how often the agent must send a {@link NodeHeartbeat}; the scheduler declares the node
 *                        down after a TTL of a few of these (the interval grows with the cluster, as Nomad's does)
 */
public record NodeRegistered(String node, long heartbeatMillis) implements CborSerializable {}
