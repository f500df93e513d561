package io.berth.scheduler.events;

import io.berth.protocol.cluster.BerthEvent;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * The way into the event stream: one pub-sub {@link Topic} named {@value #TOPIC_NAME} per actor system, which
 * reaches the topic instances of every other node of the cluster through the receptionist, and, on scheduler
 * nodes, the node's {@link EventLog}.
 *
 * <p>Delivery is at most once: an event published before a node's topic has learnt of another node's topic (the
 * receptionist spreads that within a second or so of a node joining) does not reach that node's log. Events are
 * for watching; the job store and the scheduler hold the truth.
 *
 * <p>All methods are thread-safe and may be called from any actor or thread.
 */
public final class Events implements Extension {
    /** The topic's name, the same on every node. */
    public static final String TOPIC_NAME = "berth-events";
    /** The ring buffer's size when {@code berth.events.buffer-size} is not set. */
    public static final int DEFAULT_BUFFER_SIZE = 10_000;

    private static final Id ID = new Id();

    private final ActorSystem<?> system;
    private final ActorRef<Topic.Command<BerthEvent>> topic;
    private volatile ActorRef<EventLog.Command> log;

    private Events(ActorSystem<?> system) {
        this.system = system;
        this.topic = system.systemActorOf(Topic.create(BerthEvent.class, TOPIC_NAME), "berth-events-topic",
                Props.empty());
    }

    /**
     * Publishes {@code event} to every node's event log. Never blocks, never throws for delivery problems.
     *
     * @throws NullPointerException when an argument is null
     */
    public static void publish(ActorSystem<?> system, BerthEvent event) {
        Objects.requireNonNull(event, "event");
        get(system).topic.tell(Topic.publish(event));
    }

    /**
     * This node's event log, started (and subscribed to the topic) on the first call. Only scheduler nodes
     * should call it: a node without a log just forwards what it publishes.
     */
    public static ActorRef<EventLog.Command> log(ActorSystem<?> system) {
        return get(system).log();
    }

    /** The topic, for whoever wants the raw live stream without numbering. */
    public static ActorRef<Topic.Command<BerthEvent>> topic(ActorSystem<?> system) {
        return get(system).topic;
    }

    private static Events get(ActorSystem<?> system) {
        return ID.apply(system);
    }

    private ActorRef<EventLog.Command> log() {
        ActorRef<EventLog.Command> current = log;
        if (current == null) {
            synchronized (this) {
                current = log;
                if (current == null) {
                    var config = system.settings().config();
                    int size = config.hasPath("berth.events.buffer-size")
                            ? config.getInt("berth.events.buffer-size") : DEFAULT_BUFFER_SIZE;
                    current = system.systemActorOf(EventLog.create(topic, size, java.time.Clock.systemUTC()),
                            "berth-event-log", Props.empty());
                    log = current;
                }
            }
        }
        return current;
    }

    private static final class Id extends ExtensionId<Events> {
        @Override
        public Events createExtension(ActorSystem<?> system) {
            return new Events(system);
        }
    }
}
