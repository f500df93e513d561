package io.berth.scheduler.control;

import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.berth.protocol.cluster.AgentCommand;
import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.cluster.NodeInfo;
import io.berth.protocol.cluster.SchedulerCommand;
import io.berth.protocol.job.Job;
import io.berth.protocol.job.JobSpecs;
import io.berth.scheduler.cluster.BerthCluster;
import io.berth.scheduler.cluster.ClusterSettings;
import io.berth.scheduler.jobs.JobRecord;
import io.berth.scheduler.jobs.JobStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.ORSet;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Real Berth nodes for the scheduler's tests: actor systems of one cluster on 127.0.0.1 with both roles, each with
 * its job store and the scheduler singleton (proxy), with short heartbeats; plus helpers to register jobs and ask
 * the singleton. Closing terminates every node still running.
 */
final class SchedulerCluster implements AutoCloseable {
    static final Config TEST_CONFIG = ConfigFactory.parseString("""
            pekko.loglevel = WARNING
            pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
            pekko.cluster.gossip-interval = 200ms
            pekko.cluster.leader-actions-interval = 200ms
            pekko.cluster.periodic-tasks-initial-delay = 100ms
            pekko.cluster.seed-node-timeout = 1s
            pekko.cluster.retry-unsuccessful-join-after = 1s
            pekko.cluster.split-brain-resolver.stable-after = 60s
            pekko.cluster.singleton.hand-over-retry-interval = 200ms
            pekko.cluster.distributed-data.gossip-interval = 200ms
            pekko.coordinated-shutdown.run-by-actor-system-terminate = off
            pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
            berth.jobs.write-timeout = 2s
            berth.jobs.read-timeout = 2s
            berth.scheduler.min-heartbeat-interval = 500ms
            berth.scheduler.missed-heartbeats = 3
            berth.scheduler.failover-grace = 3s
            berth.scheduler.tick = 50ms
            berth.scheduler.seed = 7
            """);

    private final Path root;
    private Config config;
    private final List<Integer> ports = new ArrayList<>();
    final List<ActorSystem<Void>> systems = new ArrayList<>();
    final List<ActorTestKit> kits = new ArrayList<>();
    final List<ActorRef<JobStore.Command>> stores = new ArrayList<>();
    final List<ActorRef<SchedulerCommand>> schedulers = new ArrayList<>();
    private int agents;

    SchedulerCluster(Path root, int count) {
        this(root, count, ConfigFactory.empty());
    }

    /** With {@code overrides} over {@link #TEST_CONFIG}. */
    SchedulerCluster(Path root, int count, Config overrides) {
        this.root = root;
        this.config = overrides.withFallback(TEST_CONFIG);
        for (int i = 0; i < count; i++) {
            ports.add(freePort());
            systems.add(null);
            kits.add(null);
            stores.add(null);
            schedulers.add(null);
        }
        for (int i = 0; i < count; i++) {
            start(i);
        }
        awaitUp(count);
    }

    /** Starts node {@code i} (again, after {@link #crash}) on its port and data directory. */
    private void start(int i) {
        List<String> seeds = ports.size() == 1 ? List.of() : List.of("127.0.0.1:" + ports.get(0));
        ClusterSettings s = new ClusterSettings("node" + i, "127.0.0.1", ports.get(i),
                EnumSet.allOf(ClusterSettings.Role.class), seeds, root.resolve("node" + i), false);
        ActorSystem<Void> system = BerthCluster.start(s, Behaviors.empty(), config);
        systems.set(i, system);
        ActorTestKit kit = ActorTestKit.create(system);
        kits.set(i, kit);
        ActorRef<JobStore.Command> store = kit.spawn(JobStore.create(), "jobs");
        stores.set(i, store);
        schedulers.set(i, SchedulerSingleton.init(system, store));
    }

    private void awaitUp(int count) {
        await().atMost(Duration.ofSeconds(30)).until(() -> systems.stream().allMatch(sys -> {
            int up = 0;
            for (Member m : Cluster.get(sys).state().getMembers()) {
                up += m.status() == MemberStatus.up() ? 1 : 0;
            }
            return up == count;
        }));
    }

    /**
     * Stops every node (crashes them: the agents on them stop with them) and starts them again on their ports and
     * data directories, as after a power cut: the job store and what else is durable is all they keep.
     */
    void restartAll() {
        restartAll(-1, ConfigFactory.empty());
    }

    /**
     * As {@link #restartAll()}, but node {@code wiped} (unless negative) comes back with an empty data directory (a
     * new disk), and every node with {@code overrides} over its settings.
     */
    void restartAll(int wiped, Config overrides) {
        for (int i = 0; i < systems.size(); i++) {
            if (systems.get(i) != null) {
                crash(i);
            }
        }
        if (wiped >= 0) {
            deleteTree(root.resolve("node" + wiped));
        }
        config = overrides.withFallback(config);
        for (int i = 0; i < systems.size(); i++) {
            start(i);
        }
        awaitUp(systems.size());
    }

    /** The ids of the jobs in node {@code i}'s own copy of the job store. */
    List<String> localJobs(int i) {
        TestProbe<JobStore.JobList> probe = kits.get(i).createTestProbe();
        stores.get(i).tell(new JobStore.ListJobs(probe.ref()));
        return probe.receiveMessage(Duration.ofSeconds(15)).jobs().stream().map(JobRecord::id).toList();
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a fake agent on node {@code i}'s system, registering through that node's proxy. */
    ActorRef<AgentCommand> agent(int i, NodeInfo info) {
        return agent(i, info, List.of());
    }

    /** Starts a fake agent on node {@code i}'s system whose store holds {@code images} (names and digests). */
    ActorRef<AgentCommand> agent(int i, NodeInfo info, List<String> images) {
        return kits.get(i).spawn(FakeAgent.create(info, images, schedulers.get(i)),
                "agent-" + info.name() + "-" + (++agents));
    }

    /** Starts a fake agent on node {@code i}'s system that holds {@code held}, as an agent started again does. */
    ActorRef<AgentCommand> restartedAgent(int i, NodeInfo info, List<FakeAgent.Alloc> held) {
        return kits.get(i).spawn(FakeAgent.restarted(info, held, schedulers.get(i)),
                "agent-" + info.name() + "-" + (++agents));
    }

    /** What {@code agent} (on node {@code node}'s system) holds, to start it again with. */
    List<FakeAgent.Alloc> export(int node, ActorRef<AgentCommand> agent) {
        @SuppressWarnings("unchecked")
        TestProbe<List<FakeAgent.Alloc>> probe = (TestProbe<List<FakeAgent.Alloc>>) (TestProbe<?>)
                kits.get(node).createTestProbe(List.class);
        agent.tell(new FakeAgent.Export(probe.ref()));
        return probe.receiveMessage(Duration.ofSeconds(5));
    }

    /** Node {@code i}'s copy of the singleton's {@link DurableSet} {@code prefix}, read from its replicator. */
    Set<String> durableSet(int i, String prefix) {
        Set<String> names = new TreeSet<>();
        for (Key<ORSet<String>> key : DurableSet.keys(prefix)) {
            @SuppressWarnings("unchecked")
            TestProbe<Replicator.GetResponse<ORSet<String>>> probe =
                    (TestProbe<Replicator.GetResponse<ORSet<String>>>) (TestProbe<?>) kits.get(i)
                            .createTestProbe(Replicator.GetResponse.class);
            DistributedData.get(systems.get(i)).replicator().tell(new Replicator.Get<>(key, Replicator.readLocal(),
                    probe.ref()));
            if (probe.receiveMessage(Duration.ofSeconds(5)) instanceof Replicator.GetSuccess<ORSet<String>> found) {
                names.addAll(found.dataValue().getElements());
            }
        }
        return names;
    }

    ActorRef<AgentCommand> agent(String name) {
        return agent(0, FakeAgent.node(name, 4000, 8192, Map.of()));
    }

    /** Terminates node {@code i} without leaving (a crash, to the others). */
    void crash(int i) {
        ActorSystem<Void> system = systems.set(i, null);
        system.terminate();
        await().atMost(Duration.ofSeconds(30)).until(() -> system.getWhenTerminated().toCompletableFuture().isDone());
    }

    /** The index of the first running node. */
    int live() {
        for (int i = 0; i < systems.size(); i++) {
            if (systems.get(i) != null) {
                return i;
            }
        }
        throw new IllegalStateException("no node is running");
    }

    /** Asks the singleton (through the first running node) and waits for the answer. */
    <T> T ask(Class<T> type, Function<ActorRef<T>, SchedulerCommand> request) {
        int i = live();
        TestProbe<T> probe = kits.get(i).createTestProbe(type);
        schedulers.get(i).tell(request.apply(probe.ref()));
        return probe.receiveMessage(Duration.ofSeconds(15));
    }

    List<SchedulerApi.AllocationView> allocations(String jobId) {
        return ask(SchedulerApi.AllocationList.class, r -> new SchedulerApi.GetAllocations(jobId, r)).allocations();
    }

    /** The allocations of the job the scheduler means to run (desired run, not ended). */
    List<SchedulerApi.AllocationView> live(String jobId) {
        return allocations(jobId).stream().filter(a -> a.desiredStatus().equals("run")
                && (a.clientStatus().equals("running") || a.clientStatus().equals("pending"))).toList();
    }

    /** Those of them RUNNING on their agents. */
    List<SchedulerApi.AllocationView> running(String jobId) {
        return live(jobId).stream().filter(a -> a.state() == AllocationState.RUNNING).toList();
    }

    SchedulerApi.DeploymentView deployment(String jobId) {
        return ask(SchedulerApi.DeploymentReply.class, r -> new SchedulerApi.GetDeployment(jobId, r)).deployment();
    }

    Map<String, AllocationState> holdings(int node, ActorRef<AgentCommand> agent) {
        @SuppressWarnings("unchecked")
        TestProbe<Map<String, AllocationState>> probe = (TestProbe<Map<String, AllocationState>>) (TestProbe<?>)
                kits.get(node).createTestProbe(Map.class);
        agent.tell(new FakeAgent.Holdings(probe.ref()));
        return probe.receiveMessage(Duration.ofSeconds(5));
    }

    /** What {@code agent} (on node {@code node}'s system) was told, in order (see {@link FakeAgent.Received}). */
    List<String> received(int node, ActorRef<AgentCommand> agent) {
        @SuppressWarnings("unchecked")
        TestProbe<List<String>> probe = (TestProbe<List<String>>) (TestProbe<?>) kits.get(node).createTestProbe(
                List.class);
        agent.tell(new FakeAgent.Received(probe.ref()));
        return probe.receiveMessage(Duration.ofSeconds(5));
    }

    JobStore.RegisterReply register(Job job) {
        int i = live();
        TestProbe<JobStore.RegisterReply> probe = kits.get(i).createTestProbe();
        stores.get(i).tell(new JobStore.Register(job, probe.ref()));
        return probe.receiveMessage(Duration.ofSeconds(15));
    }

    JobRecord job(String id) {
        int i = live();
        TestProbe<JobStore.GetReply> probe = kits.get(i).createTestProbe();
        stores.get(i).tell(new JobStore.Get(id, probe.ref()));
        return probe.receiveMessage(Duration.ofSeconds(15)).record();
    }

    static Job parse(String json) {
        return JobSpecs.parse("test.json", json.getBytes(StandardCharsets.UTF_8), JobSpecs.Format.JSON);
    }

    /**
     * A service {@code id} of {@code count} instances (100 MHz, 64 MiB, one dynamic port) whose task carries
     * {@code env} (a new value is a new version) and, when not empty, the update stanza {@code update}.
     */
    static Job service(String id, int count, String env, String update) {
        return parse("""
                {"id": "%s", "type": "service", %s
                 "groups": [{"name": "web", "count": %d,
                   "tasks": [{"name": "app", "image": "docker.io/library/busybox:1.36", "command": ["sleep", "1d"],
                              "env": {%s}, "resources": {"cpu_mhz": 100, "memory_mb": 64},
                              "ports": [{"label": "http"}]}]}]}
                """.formatted(id, update.isEmpty() ? "" : "\"update\": " + update + ",", count, env));
    }

    @Override
    public void close() {
        for (int i = 0; i < systems.size(); i++) {
            if (systems.get(i) != null) {
                crash(i);
            }
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
