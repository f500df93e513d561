package io.berth.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.agent.network.ContainerNetwork;
import io.berth.agent.network.NetworkConfig;
import io.berth.protocol.cluster.AgentCommand;
import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.cluster.AllocationStateChanged;
import io.berth.protocol.cluster.SchedulerCommand;
import io.berth.protocol.job.HealthCheck;
import io.berth.protocol.job.NetworkMode;
import io.berth.protocol.job.Resources;
import io.berth.protocol.job.RestartPolicy;
import io.berth.protocol.job.Task;
import io.berth.protocol.oci.image.ImageConfig;
import io.berth.runtime.ContainerRuntime;
import io.berth.runtime.bundle.BusyboxBundle;
import io.berth.storage.image.ImageStore;
import io.berth.storage.image.ImageStoreOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;

/** One image store, runtime and actor test kit for a test class, with a busybox image in the store. */
final class AgentFixture implements AutoCloseable {
    static final String BUSYBOX = "example.com/busybox:1";

    static final long PID = ProcessHandle.current().pid();
    /** This JVM's own CNI network, bridge and subnet, removed by {@link #close}. */
    static final String NETWORK = "berth-at" + PID;
    static final String BRIDGE = "bat" + (PID % 1_000_000);
    static final String SUBNET = "10.232." + (PID % 250) + ".0/24";
    /** A task that ends is not started again: the allocation fails. */
    static final RestartPolicy NO_RESTART = new RestartPolicy(0, Duration.ofMinutes(10), Duration.ofSeconds(1),
            Duration.ofSeconds(1), RestartPolicy.Mode.FAIL);

    final Path dir;
    final ImageStore images;
    final ContainerNetwork network;
    final ContainerRuntime runtime;
    final ActorTestKit kit = ActorTestKit.create();
    private int agents;

    AgentFixture() throws Exception {
        dir = Files.createTempDirectory("berth-agent-test");
        images = ImageStore.open(dir.resolve("images"), ImageStoreOptions.defaults());
        runtime = ContainerRuntime.open(dir.resolve("state"));
        network = ContainerNetwork.open(new NetworkConfig(dir.resolve("net"), Path.of("/usr/lib/cni"), NETWORK, BRIDGE,
                SUBNET, Duration.ofSeconds(30)));
        Path bundle = BusyboxBundle.create(dir.resolve("busybox"), BusyboxBundle.defaultSpec(List.of("sh")));
        images.createImage(BUSYBOX, bundle.resolve("rootfs"), new ImageConfig.ExecConfig(null, null,
                List.of("PATH=/bin:/sbin:/usr/bin:/usr/sbin"), null, List.of("sh"), null, null, null, null));
    }

    /** An agent outside a cluster. */
    ActorRef<AgentCommand> agent(AgentConfig config) {
        return agent(kit, config, null);
    }

    /** An agent in {@code kit}'s actor system reporting to {@code scheduler} (null for none). */
    ActorRef<AgentCommand> agent(ActorTestKit kit, AgentConfig config, ActorRef<SchedulerCommand> scheduler) {
        return agent(kit, config, scheduler, ImageFetcher.none());
    }

    ActorRef<AgentCommand> agent(ActorTestKit kit, AgentConfig config, ActorRef<SchedulerCommand> scheduler,
                                 ImageFetcher fetcher) {
        return kit.spawn(NodeAgent.create(config, runtime, images, fetcher, new CniNetworkSetup(network),
                Clock.systemUTC(), scheduler));
    }

    AgentConfig config() {
        return AgentConfig.defaults(dir.resolve("agent-" + (++agents)));
    }

    static Task task(List<String> command, RestartPolicy restart, List<HealthCheck> checks, int memoryMb) {
        return task(BUSYBOX, command, restart, checks, memoryMb);
    }

    static Task task(String image, List<String> command, RestartPolicy restart, List<HealthCheck> checks, int memoryMb) {
        return new Task("main", image, command, null, Map.of(), new Resources(100, memoryMb, 0), NetworkMode.NONE,
                null, null, checks, restart, null, Duration.ofSeconds(2), null);
    }

    /** Receives state changes until one is {@code state}; returns all received, that one last. */
    static List<AllocationStateChanged> until(TestProbe<AllocationStateChanged> probe, AllocationState state) {
        List<AllocationStateChanged> seen = new ArrayList<>();
        while (true) {
            AllocationStateChanged c = probe.receiveMessage(Duration.ofSeconds(60));
            seen.add(c);
            if (c.state() == state) {
                return seen;
            }
            assertThat(c.state().terminal()).as("ended before %s: %s", state, seen).isFalse();
        }
    }

    /**
     * No container of the runtime, no mount below the fixture directory (overlays, pinned network namespaces)
     * and no cgroup of the given allocations remain.
     */
    void assertNothingLeft(String... allocationIds) throws Exception {
        for (String id : allocationIds) {
            assertThat(Path.of("/sys/fs/cgroup/memory/berth", id)).doesNotExist();
            assertThat(Path.of("/sys/fs/cgroup/berth", id)).doesNotExist();
            assertThat(Path.of("/sys/fs/cgroup/unified/berth", id)).doesNotExist();
        }
        assertThat(runtime.list()).isEmpty();
        assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo")))
                .noneMatch(l -> l.contains(dir.toString()));
    }

    @Override
    public void close() throws Exception {
        kit.shutdownTestKit();
        for (var c : runtime.list()) {
            runtime.delete(c.id(), true);
        }
        // the agent tears its networks down; a failed test may leave its bridge and tagged nat rules
        String rules = new String(new ProcessBuilder("iptables-save", "-t", "nat").start().getInputStream().readAllBytes());
        for (String rule : rules.lines().filter(r -> r.startsWith("-A ") && r.contains("\\\"" + NETWORK + "\\\"")).toList()) {
            new ProcessBuilder("sh", "-c", "iptables -t nat " + rule.replaceFirst("^-A ", "-D ")).inheritIO().start().waitFor();
        }
        try {
            network.removeBridge(); // the bridge and its localnet guard rule
        } catch (IllegalStateException allocationsLeft) {
            new ProcessBuilder("ip", "link", "del", BRIDGE).start().waitFor();
        }
        for (String l : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String target = l.split(" ")[4];
            if (target.startsWith(dir.toString())) {
                new ProcessBuilder("umount", "-l", target).inheritIO().start().waitFor();
            }
        }
        images.close();
        runtime.close();
        new ProcessBuilder("rm", "-rf", dir.toString()).inheritIO().start().waitFor();
    }
}
