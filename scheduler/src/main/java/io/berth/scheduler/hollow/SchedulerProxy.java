package io.berth.scheduler.hollow;

import io.berth.protocol.cluster.SchedulerCommand;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;

/** The way a node without the scheduler role reaches the scheduler singleton. */
final class SchedulerProxy {
    private SchedulerProxy() {}

    /**
     * A proxy of the singleton {@code berth-scheduler} (role {@code scheduler}). On a node without that role
     * {@link ClusterSingleton#init} only starts the proxy, so the behaviour given is never run.
     */
    static ActorRef<SchedulerCommand> of(ActorSystem<?> system) {
        return ClusterSingleton.get(system).init(SingletonActor.of(Behaviors.<SchedulerCommand>empty(),
                "berth-scheduler").withSettings(ClusterSingletonSettings.create(system).withRole("scheduler")));
    }
}
