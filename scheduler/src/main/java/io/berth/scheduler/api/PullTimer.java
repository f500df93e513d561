package io.berth.scheduler.api;

import io.berth.protocol.cluster.BerthEvent;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * Times image pulls from the event stream, the only view of them a scheduler node has: an allocation's
 * {@code pulling} state until its {@code starting} state, as the scheduler heard them. Agents in other JVMs
 * do not report bytes, so this is time only.
 */
final class PullTimer {
    /** Allocations pulling at once that it keeps track of; beyond that the oldest are forgotten. */
    private static final int MAX_PULLING = 10_000;

    interface Command {}

    private record Published(BerthEvent event) implements Command {}

    enum Stop implements Command { INSTANCE }

    private PullTimer() {}

    static Behavior<Command> create(ActorRef<Topic.Command<BerthEvent>> topic, Timer pulls) {
        return Behaviors.setup(ctx -> {
            topic.tell(Topic.subscribe(ctx.messageAdapter(BerthEvent.class, Published::new)));
            Map<String, Instant> pulling = new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
                    return size() > MAX_PULLING;
                }
            };
            return Behaviors.receive(Command.class)
                    .onMessage(Published.class, msg -> {
                        BerthEvent e = msg.event();
                        if (e.type().equals("AllocationStateChanged")) {
                            String state = e.details().getOrDefault("state", "");
                            if (state.equals("pulling")) {
                                pulling.put(e.key(), e.at());
                            } else {
                                var since = pulling.remove(e.key());
                                if (since != null && state.equals("starting")) {
                                    pulls.record(Duration.between(since, e.at()));
                                }
                            }
                        }
                        return Behaviors.same();
                    })
                    .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
                    .build();
        });
    }
}
