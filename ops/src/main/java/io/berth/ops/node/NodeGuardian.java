package io.berth.ops.node;

import io.berth.protocol.cluster.AgentCommand;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The node's guardian: it owns the node agent as its child, so that shutdown can stop the agent (and wait for
 * it) before the agent's image store and runtime are closed.
 */
final class NodeGuardian {

    sealed interface Command {}

    /** Starts the agent; answered once it is spawned. */
    record SpawnAgent(Behavior<AgentCommand> agent, ActorRef<Done> replyTo) implements Command {}

    /** Stops the agent; answered once it has stopped (at once when there is none). */
    record StopAgent(ActorRef<Done> replyTo) implements Command {}

    private record AgentStopped(ActorRef<Done> replyTo) implements Command {}

    private NodeGuardian() {}

    static Behavior<Command> create() {
        return Behaviors.setup(ctx -> Behaviors.receive(Command.class)
                .onMessage(SpawnAgent.class, m -> {
                    ActorRef<AgentCommand> agent = ctx.spawn(m.agent(), "agent");
                    m.replyTo().tell(Done.getInstance());
                    return withAgent(ctx, agent);
                })
                .onMessage(StopAgent.class, m -> {
                    m.replyTo().tell(Done.getInstance());
                    return Behaviors.same();
                })
                .build());
    }

    private static Behavior<Command> withAgent(ActorContext<Command> ctx, ActorRef<AgentCommand> agent) {
        return Behaviors.receive(Command.class)
                .onMessage(StopAgent.class, m -> {
                    ctx.watchWith(agent, new AgentStopped(m.replyTo()));
                    ctx.stop(agent);
                    return Behaviors.same();
                })
                .onMessage(AgentStopped.class, m -> {
                    m.replyTo().tell(Done.getInstance());
                    return create();
                })
                .build();
    }
}
