package io.berth.agent;

import io.berth.agent.network.ContainerNetwork;
import io.berth.agent.network.NetworkConfig;
import io.berth.protocol.cluster.AgentCommand;
import io.berth.protocol.cluster.AllocationPlacement;
import io.berth.protocol.cluster.AllocationStateChanged;
import io.berth.protocol.cluster.AssignAllocation;
import io.berth.protocol.cluster.StopAllocation;
import io.berth.protocol.job.HealthCheck;
import io.berth.protocol.job.JobType;
import io.berth.protocol.job.RestartPolicy;
import io.berth.protocol.job.Task;
import io.berth.runtime.ContainerRuntime;
import io.berth.storage.image.ImageStore;
import io.berth.storage.image.ImageStoreOptions;
import io.berth.storage.registry.ImagePuller;
import io.berth.storage.registry.RegistryClient;
import io.berth.storage.registry.RetryPolicy;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A node agent alone in its own JVM, for {@link LiveRestoreTest}: it serves {@code <dir>/agent} with the image
 * store {@code <dir>/images}, the runtime state root {@code <dir>/state} and a CNI network under {@code <dir>/net},
 * takes commands as lines on stdin and prints every allocation state change as a line on stdout.
 *
 * <p>Arguments: dir, network name, bridge, subnet. Commands: {@code assign <id> <restart attempts> <shell script>},
 * {@code assign-checked} with the same arguments, whose task has an exec health check {@code test -f /local/healthy}
 * (every second, unhealthy after 2 failures), {@code assign-pod} with the same arguments, whose allocation runs the
 * script as two tasks, {@code main} and {@code side}, and {@code stop <id>}. Output lines meant for the test start
 * with {@value #PREFIX}: {@code ready} once the agent is up, then {@code event <id> <state> <exit code or -> <detail>};
 * anything else is the agent's log.
 *
 * <p>With the system property {@value #PULL_PROPERTY} {@code true} the agent pulls images it lacks from their
 * registries (plain HTTP on loopback); {@value #IMAGE_PROPERTY} names the image every task runs (by default the
 * busybox image the tests create in the store).
 */
final class ChildAgent {
    static final String PREFIX = "@@ ";
    static final String PULL_PROPERTY = "berth.child.pull";
    static final String IMAGE_PROPERTY = "berth.child.image";

    private ChildAgent() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        ImageStore images = ImageStore.open(dir.resolve("images"), ImageStoreOptions.defaults());
        ContainerRuntime runtime = ContainerRuntime.open(dir.resolve("state"));
        ContainerNetwork network = ContainerNetwork.open(new NetworkConfig(dir.resolve("net"), Path.of("/usr/lib/cni"),
                args[1], args[2], args[3], Duration.ofSeconds(30)));
        ActorSystem<AgentCommand> agent = ActorSystem.create(NodeAgent.create(AgentConfig.defaults(dir.resolve("agent")),
                runtime, images, Boolean.getBoolean(PULL_PROPERTY) ? ImageFetcher.registry(new ImagePuller(
                        RegistryClient.builder().build(), images, ImagePuller.DEFAULT_CONCURRENCY, RetryPolicy.DEFAULT))
                        : ImageFetcher.none(), new CniNetworkSetup(network), Clock.systemUTC(), null), "child-agent");
        String image = System.getProperty(IMAGE_PROPERTY, AgentFixture.BUSYBOX);
        ActorRef<AllocationStateChanged> printer = agent.systemActorOf(Behaviors.<AllocationStateChanged>receiveMessage(c -> {
            say("event " + c.allocationId() + " " + c.state() + " " + (c.exitCode() == null ? "-" : c.exitCode()) + " "
                    + c.detail());
            return Behaviors.same();
        }), "printer", Props.empty());
        agent.tell(new NodeAgent.Subscribe(printer));
        say("ready");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String[] f = line.split(" ", 4);
            switch (f[0]) {
                case "assign", "assign-checked", "assign-pod" -> {
                    RestartPolicy restart = new RestartPolicy(Integer.parseInt(f[2]), Duration.ofMinutes(10),
                            Duration.ofMillis(200), Duration.ofMillis(200), RestartPolicy.Mode.FAIL);
                    List<HealthCheck> checks = !f[0].equals("assign-checked") ? List.of() : List.of(new HealthCheck(
                            "healthy", HealthCheck.Type.EXEC, List.of("test", "-f", "/local/healthy"), null, null, null,
                            Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ZERO, 2));
                    Task main = AgentFixture.task(image, List.of("sh", "-c", f[3]), restart, checks, 64);
                    List<Task> tasks = !f[0].equals("assign-pod") ? List.of(main) : List.of(main, new Task("side",
                            main.image(), main.command(), null, null, main.resources(), main.network(), null, null,
                            null, restart, null, main.stopTimeout(), null));
                    agent.tell(new AssignAllocation(f[1], "job", 1, JobType.SERVICE, "group",
                            tasks, Map.of(), AllocationPlacement.NONE,
                            agent.ignoreRef()));
                }
                case "stop" -> agent.tell(new StopAllocation(f[1], agent.ignoreRef()));
                default -> say("unknown command: " + line);
            }
        }
    }

    /**
     * Starts a child agent JVM over {@code dir} with this JVM's class path.
     *
     * @param jvmOptions options before the class name, e.g. {@code -D} settings
     */
    static Process launch(Path dir, String network, String bridge, String subnet, List<String> jvmOptions)
            throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classPath, ChildAgent.class.getName(), dir.toString(), network, bridge, subnet));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /**
     * Removes what child agents over {@code dir} left once they are killed: every container of {@code runtime}
     * (which it then closes), the mounts below {@code dir}, the network's bridge, and {@code dir} itself.
     */
    static void cleanUp(Path dir, ContainerRuntime runtime, String network, String bridge, String subnet)
            throws IOException, InterruptedException {
        for (var c : runtime.list()) {
            runtime.delete(c.id(), true);
        }
        for (String l : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String target = l.split(" ")[4];
            if (target.startsWith(dir.toString())) {
                new ProcessBuilder("umount", "-l", target).inheritIO().start().waitFor();
            }
        }
        try {
            ContainerNetwork.open(new NetworkConfig(dir.resolve("net"), Path.of("/usr/lib/cni"), network, bridge, subnet,
                    Duration.ofSeconds(30))).removeBridge();
        } catch (RuntimeException e) {
            new ProcessBuilder("ip", "link", "del", bridge).start().waitFor();
        }
        runtime.close();
        new ProcessBuilder("rm", "-rf", dir.toString()).inheritIO().start().waitFor();
    }

    private static synchronized void say(String line) {
        System.out.println(PREFIX + line);
        System.out.flush();
    }
}
