package io.berth.scheduler.hollow;

import io.berth.protocol.cluster.SchedulerCommand;
import io.berth.scheduler.control.SchedulerSingleton;
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
     * A proxy of the singleton {@link SchedulerSingleton#NAME} (role {@link SchedulerSingleton#ROLE}). On a node
     * without that role {@link ClusterSingleton#init} only starts the proxy, so the behaviour given is never run.
     * (Not {@code SchedulerSingleton.init(system, null)}: that builds the singleton's behaviour eagerly and
     * refuses a null job store.)
     */
    static ActorRef<SchedulerCommand> of(ActorSystem<?> system) {
        return ClusterSingleton.get(system).init(SingletonActor.of(Behaviors.<SchedulerCommand>empty(),
                SchedulerSingleton.NAME).withSettings(ClusterSingletonSettings.create(system)
                .withRole(SchedulerSingleton.ROLE)));
    }
}
