package io.berth.scheduler.hollow;

import io.berth.protocol.cluster.AgentCommand;
import io.berth.protocol.cluster.NodeInfo;
import io.berth.protocol.cluster.SchedulerCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A JVM's hollow nodes: spawns {@code count} {@link HollowAgent}s named {@code hollow-00042} and so on, and drives
 * them all with one timer whose tick it fans out, rather than one timer per node. It accepts no messages of its
 * own; stopping it stops every node.
 */
public final class HollowFleet {

    /** How the fleet is doing, for launchers and tests; updated by the agents from their actors' threads. */
    public static final class Counters {
        /** Nodes whose registration the scheduler answered (and has not since said it forgot). */
        public final AtomicLong registered = new AtomicLong();
        /** Allocations assigned to the fleet's nodes, counted once each. */
        public final AtomicLong assigned = new AtomicLong();
        /** Allocations now RUNNING. */
        public final AtomicLong running = new AtomicLong();
    }

    /** The fleet takes no messages from outside; this only types its behaviour. */
    public interface Command {}

    private enum FleetTick implements Command { INSTANCE }

    private HollowFleet() {}

    /** The name of hollow node {@code index}: {@code hollow-00042}. */
    public static String nodeName(int index) {
        return String.format("hollow-%05d", index);
    }

    /** What hollow node {@code name} reports about itself. */
    public static NodeInfo nodeInfo(String name, HollowSettings settings) {
        return new NodeInfo(name, settings.datacenter(), settings.cpuMhz(), settings.memoryMb(), settings.diskMb(),
                "6.1.0-hollow", 2, "linux", "amd64", settings.labels());
    }

    /**
     * Nodes {@code first} to {@code first + count - 1}, registering with {@code scheduler} (the scheduler
     * singleton's proxy) as soon as they start.
     */
    public static Behavior<Command> create(int first, int count, HollowSettings settings,
                                        ActorRef<SchedulerCommand> scheduler, Counters counters) {
        return Behaviors.<Command>setup(ctx -> Behaviors.withTimers(timers -> {
            List<ActorRef<AgentCommand>> agents = new ArrayList<>(count);
            for (int i = first; i < first + count; i++) {
                String name = nodeName(i);
                agents.add(ctx.spawn(HollowAgent.create(nodeInfo(name, settings), settings, scheduler, counters),
                        name));
            }
            timers.startTimerWithFixedDelay(FleetTick.INSTANCE, settings.tick());
            return Behaviors.receiveMessage(tick -> {
                for (ActorRef<AgentCommand> agent : agents) {
                    agent.tell(HollowAgent.Tick.INSTANCE);
                }
                return Behaviors.same();
            });
        }));
    }
}
