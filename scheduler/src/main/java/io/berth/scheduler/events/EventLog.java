package io.berth.scheduler.events;

import io.berth.protocol.cluster.BerthEvent;
import io.berth.protocol.cluster.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * One scheduler node's numbered record of the cluster's events: it subscribes to the {@link Events} topic, gives
 * each event the next index and keeps the newest ones in a ring buffer of a fixed size.
 *
 * <p>Readers pull: a {@link Read} names the last index the reader has seen and is answered with what came after
 * it, or, when nothing has yet, as soon as something does or its timeout ends. A stream is a loop of reads, so a slow
 * reader holds nothing here and resuming from an index is the same as reading. Blocking queries use the index the
 * same way with {@code max = 0}.
 *
 * <p>Indexes count from the node's start time in microseconds ({@code millis × 1000}), so an index a client got
 * before this node restarted is still below every new one (unless the node published more than a thousand events
 * per millisecond on average), and a resumed reader gets what is left instead of waiting for the counter to catch
 * up. Indexes belong to one node: another scheduler node numbers the same events differently.
 */
public final class EventLog extends AbstractBehavior<EventLog.Command> {

    /** What the event log accepts. */
    public sealed interface Command extends CborSerializable permits Read, GetIndex, Published, Expired {}

    /**
     * Asks for the events after index {@code after}: answered at once when there are any (at most {@code max} of
     * them, oldest first), otherwise when the next one arrives or after {@code timeout}, with an empty batch.
     *
     * @param max  how many entries at most; 0 just waits for the index to move
     * @param timeout how long to wait for something newer; zero answers at once
     */
    public record Read(long after, int max, Duration timeout, ActorRef<Batch> replyTo) implements Command {
        public Read {
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(replyTo, "replyTo");
            if (max < 0) {
                throw new IllegalArgumentException("max must not be negative: " + max);
            }
        }
    }

    /** Asks for the newest index at once. */
    public record GetIndex(ActorRef<Batch> replyTo) implements Command {}

    /** An event with its index on this node. */
    public record Entry(long index, BerthEvent event) implements CborSerializable {}

    /**
     * An answer to a read.
     *
     * @param entries   oldest first, all newer than the read's {@code after}; may be empty
     * @param lastIndex the newest index this log has given (its start index when it has none yet)
     * @param missed    true when events after the read's {@code after} have already left the ring buffer
     *                  (or came before this node started), so the reader has a gap
     */
    public record Batch(List<Entry> entries, long lastIndex, boolean missed) implements CborSerializable {
        public Batch {
            entries = List.copyOf(entries);
        }
    }

    private record Published(BerthEvent event) implements Command {}

    private record Expired(long readerId) implements Command {}

    private final TimerScheduler<Command> timers;
    private final Entry[] ring;
    private long lastIndex;
    private int count;
    private long nextReaderId;
    private final Map<Long, Read> parked = new HashMap<>();

    /**
     * @param topic    the topic to subscribe to
     * @param capacity how many events the ring buffer keeps (at least 1)
     * @param clock    gives the start index
     */
    public static Behavior<Command> create(ActorRef<Topic.Command<BerthEvent>> topic, int capacity, Clock clock) {
        if (capacity < 1) {
            throw new IllegalArgumentException("berth.events.buffer-size must be at least 1, was " + capacity);
        }
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            topic.tell(Topic.subscribe(ctx.messageAdapter(BerthEvent.class, Published::new)));
            return new EventLog(ctx, timers, capacity, clock.millis() * 1000);
        }));
    }

    private EventLog(ActorContext<Command> ctx, TimerScheduler<Command> timers, int capacity, long startIndex) {
        super(ctx);
        this.timers = timers;
        this.ring = new Entry[capacity];
        this.lastIndex = startIndex;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Published.class, this::onPublished)
                .onMessage(Read.class, this::onRead)
                .onMessage(GetIndex.class, this::onGetIndex)
                .onMessage(Expired.class, this::onExpired)
                .build();
    }

    private Behavior<Command> onPublished(Published msg) {
        lastIndex++;
        ring[(int) (lastIndex % ring.length)] = new Entry(lastIndex, msg.event());
        count = Math.min(count + 1, ring.length);
        if (!parked.isEmpty()) {
            for (var it = parked.entrySet().iterator(); it.hasNext(); ) {
                var reader = it.next();
                if (reader.getValue().after() < lastIndex) {
                    timers.cancel(reader.getKey());
                    answer(reader.getValue());
                    it.remove();
                }
            }
        }
        return this;
    }

    private Behavior<Command> onRead(Read read) {
        // an index from before this log's events (another run of the node) with nothing held yet: there is no
        // entry to answer with, so an entry reader waits like one that is up to date instead of asking again
        boolean newer = read.after() < lastIndex && (read.max() == 0 || count > 0);
        if (newer || read.timeout().isZero() || read.timeout().isNegative()) {
            answer(read);
        } else {
            long id = nextReaderId++;
            parked.put(id, read);
            timers.startSingleTimer(id, new Expired(id), read.timeout());
        }
        return this;
    }

    private Behavior<Command> onGetIndex(GetIndex msg) {
        msg.replyTo().tell(new Batch(List.of(), lastIndex, false));
        return this;
    }

    private Behavior<Command> onExpired(Expired msg) {
        Read read = parked.remove(msg.readerId());
        if (read != null) {
            answer(read);
        }
        return this;
    }

    private void answer(Read read) {
        long oldest = lastIndex - count + 1;
        long from = Math.max(read.after() + 1, oldest);
        boolean missed = read.after() > 0 && read.after() + 1 < oldest;
        long to = Math.min(lastIndex, from + read.max() - 1);
        List<Entry> entries = new ArrayList<>((int) Math.max(0, to - from + 1));
        for (long i = from; i <= to; i++) {
            entries.add(ring[(int) (i % ring.length)]);
        }
        read.replyTo().tell(new Batch(entries, lastIndex, missed));
    }
}
