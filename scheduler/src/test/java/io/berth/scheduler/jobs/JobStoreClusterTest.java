package io.berth.scheduler.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.protocol.job.Job;
import io.berth.scheduler.cluster.BerthCluster;
import io.berth.scheduler.cluster.ClusterSettings;
import io.berth.scheduler.cluster.TestNodes;
import io.berth.scheduler.jobs.JobStore.GetReply;
import io.berth.scheduler.jobs.JobStore.JobList;
import io.berth.scheduler.jobs.JobStore.RegisterReply;
import io.berth.scheduler.jobs.JobStore.Registered;
import io.berth.scheduler.jobs.JobStore.Rejected;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job store on three scheduler nodes (three actor systems on loopback in this JVM). */
class JobStoreClusterTest {
    @TempDir
    Path dir;
    TestNodes nodes;
    final List<ActorTestKit> kits = new ArrayList<>();
    final List<ActorRef<JobStore.Command>> stores = new ArrayList<>();

    /** Starts (or restarts) all three nodes, each with its job store. */
    private void startCluster() {
        if (nodes == null) {
            nodes = new TestNodes(dir, 3);
        }
        kits.clear();
        stores.clear();
        for (var system : nodes.startAll()) {
            ActorTestKit kit = ActorTestKit.create(system);
            kits.add(kit);
            stores.add(kit.spawn(JobStore.create(), "jobs"));
        }
    }

    @AfterEach
    void stop() {
        if (nodes != null) {
            nodes.close();
        }
    }

    private RegisterReply register(int node, Job job) {
        TestProbe<RegisterReply> probe = kits.get(node).createTestProbe();
        stores.get(node).tell(new JobStore.Register(job, probe.ref()));
        return probe.receiveMessage(Duration.ofSeconds(10));
    }

    private JobRecord get(int node, String id) {
        TestProbe<GetReply> probe = kits.get(node).createTestProbe();
        stores.get(node).tell(new JobStore.Get(id, probe.ref()));
        return probe.receiveMessage(Duration.ofSeconds(10)).record();
    }

    private List<JobRecord> list(int node) {
        TestProbe<JobList> probe = kits.get(node).createTestProbe();
        stores.get(node).tell(new JobStore.ListJobs(probe.ref()));
        return probe.receiveMessage(Duration.ofSeconds(10)).jobs();
    }

    @Test
    void aRegisteredJobIsReadFromEveryNode() {
        startCluster();
        assertThat(register(0, TestJobs.web("web", 2, "hi"))).isEqualTo(new Registered("web", 0, true));

        // a majority read right after the acknowledgement finds it on any node
        assertThat(get(1, "web").latest().job()).isEqualTo(TestJobs.web("web", 2, "hi"));
        assertThat(get(2, "web").latest().job()).isEqualTo(TestJobs.web("web", 2, "hi"));
        // and the local views follow
        await().atMost(Duration.ofSeconds(10)).until(() -> list(2).stream().anyMatch(r -> r.id().equals("web")));

        // a new version through another node builds on the first
        assertThat(register(2, TestJobs.web("web", 3, "hi"))).isEqualTo(new Registered("web", 1, true));
        assertThat(get(0, "web").versions()).hasSize(2);
    }

    @Test
    void aWriteThroughAnotherNodeRightAfterAnAcknowledgementBuildsOnIt() {
        startCluster();
        for (int i = 0; i < 10; i++) {
            String id = "job-" + i;
            assertThat(register(i % 3, TestJobs.web(id, 1, "hi"))).isEqualTo(new Registered(id, 0, true));
            // no waiting for gossip: the next node reads a majority before it writes
            TestProbe<RegisterReply> probe = kits.get((i + 1) % 3).createTestProbe();
            stores.get((i + 1) % 3).tell(new JobStore.StopJob(id, false, probe.ref()));
            assertThat(probe.receiveMessage(Duration.ofSeconds(10))).isEqualTo(new Registered(id, 1, true));
            assertThat(register((i + 2) % 3, TestJobs.web(id, 2, "hi"))).isEqualTo(new Registered(id, 2, true));
        }
    }

    @Test
    void aNodeThatWasAloneLearnsTheWritesOfNodesThatJoinLater() {
        nodes = new TestNodes(dir, 2);
        for (int i = 0; i < 2; i++) {
            ActorSystem<Void> system = nodes.start(i);
            nodes.awaitUp();
            ActorTestKit kit = ActorTestKit.create(system);
            kits.add(kit);
            stores.add(kit.spawn(JobStore.create(), "jobs"));
            // node 0 writes while it is the only scheduler node (it follows no bucket then), node 1 once it joined
            assertThat(register(i, TestJobs.web("job-" + i, 1, "hi"))).isEqualTo(new Registered("job-" + i, 0, true));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> list(0).stream().map(JobRecord::id).toList()
                .equals(List.of("job-0", "job-1")));
        await().atMost(Duration.ofSeconds(10)).until(() -> list(1).equals(list(0)));
    }

    @Test
    void jobsSurviveTheLossOfOneNode() {
        startCluster();
        register(0, TestJobs.web("before", 1, "hi"));
        nodes.crash(2);

        assertThat(register(0, TestJobs.web("after", 1, "hi"))).isEqualTo(new Registered("after", 0, true));
        assertThat(get(1, "before")).isNotNull();
        assertThat(get(1, "after")).isNotNull();
    }

    @Test
    void writesAreRejectedWithoutAMajority() {
        startCluster();
        register(0, TestJobs.web("web", 1, "hi"));
        nodes.crash(1);
        nodes.crash(2);

        RegisterReply reply = register(0, TestJobs.web("web", 5, "hi"));
        assertThat(reply).isInstanceOf(Rejected.class);
        assertThat(((Rejected) reply).reason()).contains("majority");
        // reads still answer, from this node's copy
        assertThat(get(0, "web").latest().job()).isEqualTo(TestJobs.web("web", 1, "hi"));
    }

    @Test
    void aDevNodeOnAnyFreePortFindsItsJobsAfterARestart() {
        ClusterSettings dev = new ClusterSettings("dev", "127.0.0.1", 0, EnumSet.allOf(ClusterSettings.Role.class),
                List.of(), dir.resolve("dev"), false);
        for (int run = 0; run < 2; run++) {
            ActorSystem<Void> system = BerthCluster.start(dev, Behaviors.empty(), TestNodes.TEST_CONFIG);
            try {
                ActorTestKit kit = ActorTestKit.create(system);
                ActorRef<JobStore.Command> store = kit.spawn(JobStore.create(), "jobs");
                TestProbe<RegisterReply> registered = kit.createTestProbe();
                store.tell(new JobStore.Register(TestJobs.web("web", 1, "run " + run), registered.ref()));
                // the second run's node has another port, and still builds on the first run's version
                assertThat(registered.receiveMessage(Duration.ofSeconds(20))).isEqualTo(new Registered("web", run, true));
            } finally {
                system.terminate();
                system.getWhenTerminated().toCompletableFuture().join();
            }
        }
    }

    @Test
    void aFullRestartFindsEveryJobAndEveryVersion() {
        startCluster();
        List<Job> written = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            for (int version = 0; version < 1 + i % 3; version++) {
                Job job = TestJobs.web("job-" + i, 1 + version, "v" + version);
                assertThat(register(i % 3, job)).isInstanceOf(Registered.class);
                written.add(job);
            }
        }
        register(1, TestJobs.web("stopped", 1, "hi"));
        TestProbe<RegisterReply> probe = kits.get(1).createTestProbe();
        stores.get(1).tell(new JobStore.StopJob("stopped", false, probe.ref()));
        probe.expectMessage(new Registered("stopped", 1, true));
        // every node holds everything (the third one through gossip) before the lights go out
        await().atMost(Duration.ofSeconds(20)).until(() -> list(0).equals(list(1)) && list(1).equals(list(2))
                && list(0).size() == 31);
        List<JobRecord> before = list(0);

        for (int i = 0; i < 3; i++) {
            nodes.crash(i);
        }
        startCluster();

        for (int node = 0; node < 3; node++) {
            // the local view, straight from the node's own disk
            assertThat(list(node)).as("jobs on node %d after the restart", node).isEqualTo(before);
        }
        assertThat(get(2, "job-5").versions()).extracting(v -> v.job()).containsExactly(
                TestJobs.web("job-5", 1, "v0"), TestJobs.web("job-5", 2, "v1"), TestJobs.web("job-5", 3, "v2"));
        assertThat(get(0, "stopped").stopped()).isTrue();
        assertThat(register(0, TestJobs.web("job-5", 3, "v2"))).isEqualTo(new Registered("job-5", 2, false));
    }
}
