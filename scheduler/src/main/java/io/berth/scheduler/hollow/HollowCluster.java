package io.berth.scheduler.hollow;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.berth.protocol.cluster.SchedulerCommand;
import io.berth.scheduler.cluster.BerthCluster;
import io.berth.scheduler.cluster.ClusterSettings;
import io.berth.scheduler.control.SchedulerSingleton;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.SelfUp;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * A JVM of hollow nodes: joins the Berth cluster at {@code --seeds} with the role {@code agent} and, once it is a
 * member, starts {@code --nodes} {@link HollowAgent}s that register with the scheduler singleton.
 *
 * <p>It speaks {@link ChildJvm}'s line protocol on stdout: {@code up <address>} once a member,
 * {@code registered <n>} once every node's registration was answered, then {@code running <r> assigned <a>}
 * whenever those change (at most every 100 ms). On stdin it takes {@code heap} (answered {@code heap <MiB>}
 * after a full GC). It exits when stdin closes.
 *
 * <pre>
 * HollowCluster --port 25530 --seeds 127.0.0.1:25520 [--host 127.0.0.1] [--first 0] [--nodes 1000]
 *               [--cpu-mhz 4000] [--memory-mb 8192] [--datacenter dc1] [--labels rack=r1,ssd=true]
 *               [--step-delay-ms 0] [--pull-delay-ms 0] [--tick-ms 500]
 * </pre>
 */
public final class HollowCluster {
    private static final Set<String> OPTIONS = Set.of("port", "seeds", "host", "first", "nodes", "cpu-mhz",
            "memory-mb", "datacenter", "labels", "step-delay-ms", "pull-delay-ms", "tick-ms");

    private HollowCluster() {}

    public static void main(String[] argv) throws IOException {
        MainArgs args;
        HollowSettings settings;
        int first;
        int nodes;
        ClusterSettings cluster;
        try {
            args = new MainArgs("HollowCluster", argv, OPTIONS);
            first = (int) args.number("first", 0);
            nodes = (int) args.number("nodes", 1000);
            HollowSettings defaults = HollowSettings.defaults();
            settings = defaults
                    .withResources((int) args.number("cpu-mhz", defaults.cpuMhz()),
                            args.number("memory-mb", defaults.memoryMb()))
                    .withPlacement(args.string("datacenter", defaults.datacenter()), args.pairs("labels"))
                    .withDelays(Duration.ofMillis(args.number("step-delay-ms", 0)),
                            Duration.ofMillis(args.number("pull-delay-ms", 0)))
                    .withTiming(Duration.ofMillis(args.number("tick-ms", defaults.tick().toMillis())),
                            defaults.registerRetry());
            Path dataDir = Files.createTempDirectory("berth-hollow");
            dataDir.toFile().deleteOnExit();
            cluster = new ClusterSettings("hollow-jvm-" + first, args.string("host", "127.0.0.1"),
                    Integer.parseInt(args.required("port")), EnumSet.of(ClusterSettings.Role.AGENT),
                    args.list("seeds"), dataDir, true);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        HollowFleet.Counters counters = new HollowFleet.Counters();
        ActorSystem<SelfUp> system = BerthCluster.start(cluster, guardian(first, nodes, settings, counters),
                heavyTraffic());
        ChildJvm.readCommands(command -> {
            if (command.equals("heap")) {
                ChildJvm.say("heap " + usedHeapMb());
            } else {
                ChildJvm.say("error unknown command '" + command + "' (heap)");
            }
        });
        Thread progress = new Thread(() -> reportProgress(nodes, counters), "progress");
        progress.setDaemon(true);
        progress.start();
        system.getWhenTerminated().toCompletableFuture().join();
    }

    /**
     * Settings for a node that sends and receives hundreds of thousands of messages in bursts: Artery's outbound
     * queue and the singleton proxy's buffer would otherwise drop them (the proxy holds messages while it looks for
     * the singleton, e.g. during a failover).
     */
    public static Config heavyTraffic() {
        return ConfigFactory.parseString("""
                pekko.remote.artery.advanced.outbound-message-queue-size = 200000
                pekko.remote.artery.advanced.maximum-frame-size = 4MiB
                pekko.cluster.singleton-proxy.buffer-size = 10000
                """);
    }

    private static Behavior<SelfUp> guardian(int first, int nodes, HollowSettings settings,
                                             HollowFleet.Counters counters) {
        return Behaviors.setup(ctx -> {
            Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(ctx.getSelf(), SelfUp.class));
            return Behaviors.receiveMessage(up -> {
                ActorRef<SchedulerCommand> scheduler = SchedulerSingleton.init(ctx.getSystem(), null);
                ctx.spawn(HollowFleet.create(first, nodes, settings, scheduler, counters), "hollow");
                ChildJvm.say("up " + Cluster.get(ctx.getSystem()).selfMember().address());
                return Behaviors.ignore();
            });
        });
    }

    /** Prints the counters whenever they change, until the JVM ends. */
    private static void reportProgress(int nodes, HollowFleet.Counters counters) {
        boolean allRegistered = false;
        long running = -1;
        long assigned = -1;
        while (true) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            if (!allRegistered && counters.registered.get() >= nodes) {
                allRegistered = true;
                ChildJvm.say("registered " + nodes);
            }
            long r = counters.running.get();
            long a = counters.assigned.get();
            if (r != running || a != assigned) {
                running = r;
                assigned = a;
                ChildJvm.say("running " + r + " assigned " + a);
            }
        }
    }

    /** The heap in use after a full collection, in MiB. */
    static long usedHeapMb() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return (rt.totalMemory() - rt.freeMemory()) / (1024 * 1024);
    }
}
