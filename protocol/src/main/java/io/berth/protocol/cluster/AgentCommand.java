package io.berth.protocol.cluster;

/**
 * A command a node agent accepts over the cluster. The schedulers hold an {@code ActorRef<AgentCommand>} per
 * node (given in {@link RegisterNode}); an agent's own internal messages may implement it too, so its behaviour
 * can be typed by this interface.
 */
public interface AgentCommand extends CborSerializable {}
