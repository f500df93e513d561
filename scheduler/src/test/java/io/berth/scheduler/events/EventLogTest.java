package io.berth.scheduler.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.protocol.cluster.BerthEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class EventLogTest {
    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private static final long START_INDEX = START.toEpochMilli() * 1000;
    private static final AtomicInteger TOPICS = new AtomicInteger();

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    private static BerthEvent event(String key) {
        return new BerthEvent("Job", "JobRegistered", key, Map.of("version", "0"), START);
    }

    private record Log(ActorRef<Topic.Command<BerthEvent>> topic, ActorRef<EventLog.Command> log) {
        void publish(String... keys) {
            for (String key : keys) {
                topic.tell(Topic.publish(event(key)));
            }
        }
    }

    /**
     * A log of its own topic, subscribed before anything is published. Each test has a topic of its own name:
     * topics of one name find each other through the receptionist and publish to each other.
     */
    private static Log newLog(int capacity) {
        var topic = KIT.spawn(Topic.create(BerthEvent.class, "test-events-" + TOPICS.incrementAndGet()));
        var log = KIT.spawn(EventLog.create(topic, capacity, Clock.fixed(START, ZoneOffset.UTC)));
        var stats = KIT.<Topic.TopicStats>createTestProbe();
        // the subscription is in place once the topic counts one local subscriber
        KIT.createTestProbe().awaitAssert(() -> {
            topic.tell(Topic.getTopicStats(stats.ref()));
            assertThat(stats.receiveMessage().localSubscriberCount()).isEqualTo(1);
            return null;
        });
        return new Log(topic, log);
    }

    private static EventLog.Batch read(Log log, long after, int max, Duration timeout) {
        TestProbe<EventLog.Batch> probe = KIT.createTestProbe();
        log.log().tell(new EventLog.Read(after, max, timeout, probe.ref()));
        return probe.receiveMessage(timeout.plusSeconds(3));
    }

    private static List<String> keys(EventLog.Batch batch) {
        return batch.entries().stream().map(e -> e.event().key()).toList();
    }

    @Test
    void numbersEventsFromTheStartIndexAndResumesAfterAnyIndex() {
        Log log = newLog(100);
        log.publish("a", "b", "c");
        KIT.createTestProbe().awaitAssert(() -> {
            assertThat(read(log, 0, 10, Duration.ZERO).lastIndex()).isEqualTo(START_INDEX + 3);
            return null;
        });
        EventLog.Batch all = read(log, 0, 10, Duration.ZERO);
        assertThat(all.entries()).extracting(EventLog.Entry::index)
                .containsExactly(START_INDEX + 1, START_INDEX + 2, START_INDEX + 3);
        assertThat(keys(all)).containsExactly("a", "b", "c");
        assertThat(keys(read(log, START_INDEX + 1, 10, Duration.ZERO))).containsExactly("b", "c");
        assertThat(keys(read(log, START_INDEX + 1, 1, Duration.ZERO))).containsExactly("b");
        assertThat(all.missed()).isFalse();
    }

    @Test
    void aReadWithNothingNewerWaitsForTheNextEvent() {
        Log log = newLog(100);
        TestProbe<EventLog.Batch> probe = KIT.createTestProbe();
        log.log().tell(new EventLog.Read(START_INDEX, 10, Duration.ofSeconds(30), probe.ref()));
        probe.expectNoMessage(Duration.ofMillis(200));
        log.publish("late");
        EventLog.Batch batch = probe.receiveMessage();
        assertThat(keys(batch)).containsExactly("late");
        assertThat(batch.lastIndex()).isEqualTo(START_INDEX + 1);
    }

    @Test
    void aReadThatTimesOutIsAnsweredEmptyWithTheCurrentIndex() {
        Log log = newLog(100);
        EventLog.Batch batch = read(log, START_INDEX, 10, Duration.ofMillis(300));
        assertThat(batch.entries()).isEmpty();
        assertThat(batch.lastIndex()).isEqualTo(START_INDEX);
    }

    @Test
    void aReaderFromBeforeAnEmptyLogWaitsForItsFirstEvent() {
        Log log = newLog(100);
        TestProbe<EventLog.Batch> probe = KIT.createTestProbe();
        log.log().tell(new EventLog.Read(START_INDEX - 500, 10, Duration.ofSeconds(30), probe.ref()));
        probe.expectNoMessage(Duration.ofMillis(200));
        log.publish("first");
        EventLog.Batch batch = probe.receiveMessage();
        assertThat(keys(batch)).containsExactly("first");
        assertThat(batch.missed()).isTrue();
        // a blocking query (max 0) with an older index is answered at once: the index has moved on
        log.log().tell(new EventLog.Read(START_INDEX - 500, 0, Duration.ofSeconds(30), probe.ref()));
        assertThat(probe.receiveMessage(Duration.ofSeconds(1)).lastIndex()).isEqualTo(START_INDEX + 1);
    }

    @Test
    void aFullRingBufferDropsTheOldestAndTellsAReaderItMissedSome() {
        Log log = newLog(3);
        log.publish("1", "2", "3", "4", "5");
        KIT.createTestProbe().awaitAssert(() -> {
            assertThat(read(log, 0, 0, Duration.ZERO).lastIndex()).isEqualTo(START_INDEX + 5);
            return null;
        });
        EventLog.Batch fromFirst = read(log, START_INDEX + 1, 10, Duration.ZERO);
        assertThat(keys(fromFirst)).containsExactly("3", "4", "5");
        assertThat(fromFirst.missed()).isTrue();
        EventLog.Batch fromKept = read(log, START_INDEX + 2, 10, Duration.ZERO);
        assertThat(keys(fromKept)).containsExactly("3", "4", "5");
        assertThat(fromKept.missed()).isFalse();
    }

    @Test
    void eventsPublishedThroughEventsReachTheNodesLog() {
        ActorRef<EventLog.Command> log = Events.log(KIT.system());
        TestProbe<EventLog.Batch> probe = KIT.createTestProbe();
        log.tell(new EventLog.GetIndex(probe.ref()));
        long before = probe.receiveMessage().lastIndex();
        // the log subscribes asynchronously: publish until it has numbered one
        KIT.createTestProbe().awaitAssert(Duration.ofSeconds(5), Duration.ofMillis(100), () -> {
            Events.publish(KIT.system(), event("web"));
            log.tell(new EventLog.Read(before, 1, Duration.ofMillis(50), probe.ref()));
            assertThat(keys(probe.receiveMessage())).containsExactly("web");
            return null;
        });
    }
}
