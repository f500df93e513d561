package io.berth.scheduler.cluster;

import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Berth nodes for tests: real actor systems of one cluster on 127.0.0.1, each with its own port and data
 * directory, with timeouts short enough for tests. Terminating a node does not leave the cluster first, so to
 * the others it looks like a crash. Closing terminates every node still running.
 */
public final class TestNodes implements AutoCloseable {
    /** Short timers for tests; the split brain resolver waits long enough to never act within a test. */
    public static final Config TEST_CONFIG = ConfigFactory.parseString("""
            pekko.loglevel = WARNING
            pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
            pekko.cluster.gossip-interval = 200ms
            pekko.cluster.leader-actions-interval = 200ms
            pekko.cluster.periodic-tasks-initial-delay = 100ms
            pekko.cluster.seed-node-timeout = 1s
            pekko.cluster.retry-unsuccessful-join-after = 1s
            pekko.cluster.split-brain-resolver.stable-after = 60s
            pekko.cluster.distributed-data.gossip-interval = 200ms
            pekko.coordinated-shutdown.run-by-actor-system-terminate = off
            pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
            berth.jobs.write-timeout = 4s
            berth.jobs.read-timeout = 4s
            """);

    private final Path root;
    private final Config config;
    private final List<Integer> ports = new ArrayList<>();
    private final List<ActorSystem<Void>> systems = new ArrayList<>();

    /** {@code count} nodes (not started) with free ports and data directories under {@code root}. */
    public TestNodes(Path root, int count) {
        this(root, count, ConfigFactory.empty());
    }

    /** As {@link #TestNodes(Path, int)}, with {@code overrides} over {@link #TEST_CONFIG}. */
    public TestNodes(Path root, int count, Config overrides) {
        this.root = root;
        this.config = overrides.withFallback(TEST_CONFIG);
        for (int i = 0; i < count; i++) {
            ports.add(freePort());
            systems.add(null);
        }
    }

    /** The settings of node {@code i}: both roles, node 0 as the only seed (it joins itself). */
    public ClusterSettings settings(int i) {
        return new ClusterSettings("node" + i, "127.0.0.1", ports.get(i), EnumSet.allOf(ClusterSettings.Role.class),
                List.of("127.0.0.1:" + ports.get(0)), root.resolve("node" + i), false);
    }

    /** Starts node {@code i} (again, over the same data directory, if it ran before). */
    public ActorSystem<Void> start(int i) {
        ActorSystem<Void> system = BerthCluster.start(settings(i), Behaviors.empty(), config);
        systems.set(i, system);
        return system;
    }

    /** Starts every node and waits until all are up. */
    public List<ActorSystem<Void>> startAll() {
        for (int i = 0; i < systems.size(); i++) {
            start(i);
        }
        awaitUp();
        return List.copyOf(systems);
    }

    /** Waits until every running node sees every running node up. */
    public void awaitUp() {
        List<ActorSystem<Void>> running = systems.stream().filter(s -> s != null).toList();
        await().atMost(Duration.ofSeconds(30)).until(() -> running.stream().allMatch(s -> {
            var state = Cluster.get(s).state();
            int up = 0;
            for (Member m : state.getMembers()) {
                up += m.status() == MemberStatus.up() ? 1 : 0;
            }
            return state.getUnreachable().isEmpty() && up == running.size();
        }));
    }

    /** Node {@code i}'s system. */
    public ActorSystem<Void> system(int i) {
        return systems.get(i);
    }

    /** Terminates node {@code i} without leaving the cluster (a crash, to the others) and waits until it is gone. */
    public void crash(int i) {
        ActorSystem<Void> system = systems.set(i, null);
        system.terminate();
        await().atMost(Duration.ofSeconds(30)).until(() -> system.getWhenTerminated().toCompletableFuture().isDone());
    }

    @Override
    public void close() {
        for (int i = 0; i < systems.size(); i++) {
            if (systems.get(i) != null) {
                crash(i);
            }
        }
    }

    /** Whether node {@code i} has terminated by itself (it was downed). */
    public boolean terminated(int i) {
        return systems.get(i).getWhenTerminated().toCompletableFuture().isDone();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
