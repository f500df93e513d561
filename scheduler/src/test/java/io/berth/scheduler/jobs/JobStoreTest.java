package io.berth.scheduler.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.protocol.cluster.BerthEvent;
import io.berth.protocol.job.Job;
import io.berth.scheduler.events.Events;
import io.berth.scheduler.cluster.TestNodes;
import io.berth.scheduler.jobs.JobStore.GetReply;
import io.berth.scheduler.jobs.JobStore.JobList;
import io.berth.scheduler.jobs.JobStore.JobsChanged;
import io.berth.scheduler.jobs.JobStore.RegisterReply;
import io.berth.scheduler.jobs.JobStore.Registered;
import io.berth.scheduler.jobs.JobStore.Rejected;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job store on a one-node cluster (a {@code berth dev} node): what each command does to a job. */
class JobStoreTest {
    @TempDir
    static Path dir;
    static TestNodes nodes;
    static ActorTestKit kit;
    static ActorRef<JobStore.Command> store;

    @BeforeAll
    static void start() {
        nodes = new TestNodes(dir, 1);
        kit = ActorTestKit.create(nodes.startAll().get(0));
        store = kit.spawn(JobStore.create(), "jobs");
    }

    @AfterAll
    static void stop() {
        nodes.close();
    }

    private RegisterReply register(Job job) {
        TestProbe<RegisterReply> probe = kit.createTestProbe();
        store.tell(new JobStore.Register(job, probe.ref()));
        return probe.receiveMessage(Duration.ofSeconds(5));
    }

    private RegisterReply stop(String id, boolean purge) {
        TestProbe<RegisterReply> probe = kit.createTestProbe();
        store.tell(new JobStore.StopJob(id, purge, probe.ref()));
        return probe.receiveMessage(Duration.ofSeconds(5));
    }

    private JobRecord get(String id) {
        TestProbe<GetReply> probe = kit.createTestProbe();
        store.tell(new JobStore.Get(id, probe.ref()));
        return probe.receiveMessage(Duration.ofSeconds(5)).record();
    }

    @Test
    void registeringStoresAVersionOnlyWhenTheSpecChanges() {
        assertThat(register(TestJobs.web("web-a", 2, "hi"))).isEqualTo(new Registered("web-a", 0, true));
        assertThat(register(TestJobs.web("web-a", 2, "hi"))).isEqualTo(new Registered("web-a", 0, false));
        assertThat(register(TestJobs.web("web-a", 3, "hi"))).isEqualTo(new Registered("web-a", 1, true));

        JobRecord record = get("web-a");
        assertThat(record.versions()).extracting(JobVersion::version).containsExactly(0L, 1L);
        assertThat(record.versions().get(0).job()).isEqualTo(TestJobs.web("web-a", 2, "hi"));
        assertThat(record.latest().job()).isEqualTo(TestJobs.web("web-a", 3, "hi"));
        assertThat(record.stopped()).isFalse();
        assertThat(record.modifyIndex()).isEqualTo(2);
    }

    @Test
    void invalidJobsAreRejectedWithEveryFieldPath() {
        Job bad = new Job("bad job", null, 500, null, null, List.of(), null, null, null, null, null, null);
        RegisterReply reply = register(bad);
        assertThat(reply).isInstanceOf(Rejected.class);
        assertThat(((Rejected) reply).reason()).contains("id:").contains("priority:").contains("groups:");
        assertThat(get("bad job")).isNull();
    }

    @Test
    void stoppingAddsAStoppedVersionAndRegisteringStartsItAgain() {
        register(TestJobs.web("web-s", 1, "hi"));
        assertThat(stop("web-s", false)).isEqualTo(new Registered("web-s", 1, true));
        assertThat(stop("web-s", false)).isEqualTo(new Registered("web-s", 1, false));
        JobRecord stopped = get("web-s");
        assertThat(stopped.stopped()).isTrue();
        assertThat(stopped.latest().job()).isEqualTo(TestJobs.web("web-s", 1, "hi"));

        assertThat(register(TestJobs.web("web-s", 1, "hi"))).isEqualTo(new Registered("web-s", 2, true));
        assertThat(get("web-s").stopped()).isFalse();
    }

    @Test
    void purgingRemovesTheJobWithItsVersions() {
        register(TestJobs.web("web-p", 1, "hi"));
        assertThat(stop("web-p", true)).isEqualTo(new Registered("web-p", 0, true));
        assertThat(get("web-p")).isNull();
        assertThat(stop("web-p", true)).isInstanceOf(Rejected.class);
        assertThat(register(TestJobs.web("web-p", 1, "hi"))).isEqualTo(new Registered("web-p", 0, true));
    }

    @Test
    void revertingAddsAVersionWithTheOldSpec() {
        register(TestJobs.web("web-r", 1, "one"));
        register(TestJobs.web("web-r", 1, "two"));
        TestProbe<RegisterReply> probe = kit.createTestProbe();
        store.tell(new JobStore.Revert("web-r", 0, probe.ref()));
        assertThat(probe.receiveMessage()).isEqualTo(new Registered("web-r", 2, true));
        assertThat(get("web-r").latest().job()).isEqualTo(TestJobs.web("web-r", 1, "one"));

        store.tell(new JobStore.Revert("web-r", 7, probe.ref()));
        assertThat(((Rejected) probe.receiveMessage()).reason()).contains("no version 7");
        store.tell(new JobStore.Revert("nope", 0, probe.ref()));
        assertThat(((Rejected) probe.receiveMessage()).reason()).contains("no job 'nope'");
    }

    @Test
    void markingStableFlagsThatVersion() {
        register(TestJobs.web("web-m", 1, "one"));
        register(TestJobs.web("web-m", 1, "two"));
        store.tell(new JobStore.MarkStable("web-m", 0));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> get("web-m").version(0).stable());
        assertThat(get("web-m").version(1).stable()).isFalse();
    }

    @Test
    void listingIsSortedById() {
        register(TestJobs.web("list-b", 1, "hi"));
        register(TestJobs.web("list-a", 1, "hi"));
        TestProbe<JobList> probe = kit.createTestProbe();
        store.tell(new JobStore.ListJobs(probe.ref()));
        List<String> ids = probe.receiveMessage().jobs().stream().map(JobRecord::id).toList();
        assertThat(ids).contains("list-a", "list-b").isSorted();
    }

    /** The API keeps what it derived from a listing for as long as the store answers the same list instance. */
    @Test
    void listingsAnswerOneListUntilAJobChanges() {
        register(TestJobs.web("same-a", 1, "hi"));
        List<JobRecord> first = list();
        assertThat(list()).isSameAs(first);
        register(TestJobs.web("same-a", 1, "hi")); // the same spec: nothing changes
        assertThat(list()).isSameAs(first);

        register(TestJobs.web("same-a", 2, "hi"));
        List<JobRecord> scaled = list();
        assertThat(scaled).isNotSameAs(first);
        assertThat(scaled.stream().filter(r -> r.id().equals("same-a")).findFirst().orElseThrow().versions())
                .hasSize(2);

        stop("same-a", true);
        assertThat(list()).isNotSameAs(scaled).extracting(JobRecord::id).doesNotContain("same-a");
    }

    private List<JobRecord> list() {
        TestProbe<JobList> probe = kit.createTestProbe();
        store.tell(new JobStore.ListJobs(probe.ref()));
        return probe.receiveMessage(Duration.ofSeconds(5)).jobs();
    }

    @Test
    void subscribersGetEveryJobThenEachChange() {
        register(TestJobs.web("sub-a", 1, "hi"));
        TestProbe<JobsChanged> probe = kit.createTestProbe();
        store.tell(new JobStore.Subscribe(probe.ref()));
        assertThat(probe.receiveMessage().changed()).extracting(JobRecord::id).contains("sub-a");

        register(TestJobs.web("sub-b", 1, "hi"));
        JobsChanged added = probe.fishForMessage(Duration.ofSeconds(5), m -> m.changed().stream()
                .anyMatch(r -> r.id().equals("sub-b")) ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes
                .complete() : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore()).get(0);
        assertThat(added.purged()).isEmpty();

        stop("sub-b", true);
        probe.fishForMessage(Duration.ofSeconds(5), m -> m.purged().contains("sub-b")
                ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
                : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore());
    }

    @Test
    void writesPublishJobEvents() {
        TestProbe<BerthEvent> events = kit.createTestProbe();
        Events.topic(nodes.system(0)).tell(Topic.subscribe(events.ref()));
        // the topic registers the subscriber asynchronously: publish until it hears
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
            register(TestJobs.web("ev-warm", 1, "x" + System.nanoTime()));
            return events.receiveSeveralMessages(1, Duration.ofMillis(500)).size() == 1;
        });
        register(TestJobs.web("ev-a", 1, "hi"));
        stop("ev-a", false);
        stop("ev-a", true);
        List<String> seen = new java.util.ArrayList<>();
        events.fishForMessage(Duration.ofSeconds(10), e -> {
            if (e.key().equals("ev-a")) {
                assertThat(e.topic()).isEqualTo("Job");
                seen.add(e.type());
            }
            return seen.size() == 3 ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore();
        });
        assertThat(seen).containsExactly("JobRegistered", "JobStopped", "JobPurged");
    }

    @Test
    void unknownJobsReadAsNullAndCannotBeStopped() {
        assertThat(get("never-registered")).isNull();
        assertThat(((Rejected) stop("never-registered", false)).reason()).contains("no job 'never-registered'");
    }
}
