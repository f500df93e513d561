package io.berth.protocol.cluster;

/**
 * The scheduler's answer to {@link LeaveNode}.
 *
 * @param known false when the scheduler does not know the node as ready (it failed over, or declared the node
 *              down): nothing is placed there anyway until the node registers again
 */
public record LeaveAck(String node, boolean known) implements CborSerializable {}
