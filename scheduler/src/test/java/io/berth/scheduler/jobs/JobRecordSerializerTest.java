package io.berth.scheduler.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import io.berth.scheduler.cluster.BerthCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Job records through the actor system's serialization, as the replicator and its durable store use it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JobRecordSerializerTest {
    ActorTestKit kit;
    Serialization serialization;

    @BeforeAll
    void start() {
        // the binding is in Berth's settings of Pekko, which BerthCluster layers above every reference.conf
        kit = ActorTestKit.create(ConfigFactory.parseResources(BerthCluster.class, "pekko-cluster.conf")
                .withFallback(ConfigFactory.load()));
        serialization = SerializationExtension.get(kit.system().classicSystem());
    }

    @AfterAll
    void stop() {
        kit.shutdownTestKit();
    }

    private static JobRecord record(String id, String greeting) {
        return new JobRecord(id, false, 1, List.of(new JobVersion(0, TestJobs.web(id, 2, greeting),
                Instant.parse("2026-01-02T03:04:05Z"), false)));
    }

    private JobRecord roundTrip(byte[] bytes, int serializerId, String manifest) {
        return (JobRecord) serialization.deserialize(bytes, serializerId, manifest).get();
    }

    @Test
    void aRecordRoundTripsThroughItsBinding() {
        JobRecord record = record("web", "hi");
        var serializer = serialization.findSerializerFor(record);
        assertThat(serializer.identifier()).isEqualTo(JobRecordSerializer.IDENTIFIER);
        byte[] bytes = serialization.serialize(record).get();
        assertThat(roundTrip(bytes, serializer.identifier(), Serializers.manifestFor(serializer, record)))
                .isEqualTo(record);
    }

    @Test
    void theSameInstanceIsSerializedOnceAnEqualCopyAgain() {
        JobRecord record = record("web", "hi");
        byte[] first = serialization.serialize(record).get();
        assertThat(serialization.serialize(record).get()).isSameAs(first);
        JobRecord copy = record("web", "hi");
        byte[] again = serialization.serialize(copy).get();
        assertThat(again).isNotSameAs(first).isEqualTo(first);
        assertThat(serialization.serialize(record("web", "changed")).get()).isNotEqualTo(first);
    }

    @Test
    void recordsWrittenByTheCborBindingBeforeAreStillRead() {
        JobRecord record = record("old", "hi");
        var cbor = serialization.serializerByIdentity().apply(33); // jackson-cbor, which wrote job stores before
        byte[] bytes = cbor.toBinary(record);
        assertThat(roundTrip(bytes, 33, Serializers.manifestFor(cbor, record))).isEqualTo(record);
    }

    @Test
    void theBytesOfCollectedRecordsAreForgotten() {
        JobRecordSerializer serializer = (JobRecordSerializer) serialization.findSerializerFor(record("x", "y"));
        List<JobRecord> kept = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            JobRecord record = record("kept-" + i, "hi");
            kept.add(record);
            serializer.toBinary(record);
        }
        for (int i = 0; i < 1_000; i++) {
            serializer.toBinary(record("dropped-" + i, "hi"));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            System.gc();
            return serializer.cached() <= kept.size() + 10;
        });
        assertThat(serializer.cached()).isGreaterThanOrEqualTo(kept.size());
    }
}
