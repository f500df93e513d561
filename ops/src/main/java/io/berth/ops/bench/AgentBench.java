package io.berth.ops.bench;

import io.berth.agent.AgentConfig;
import io.berth.agent.CniNetworkSetup;
import io.berth.agent.ImageFetcher;
import io.berth.agent.NodeAgent;
import io.berth.agent.network.ContainerNetwork;
import io.berth.agent.network.NetworkConfig;
import io.berth.protocol.cluster.AgentCommand;
import io.berth.protocol.cluster.AllocationPlacement;
import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.cluster.AllocationStateChanged;
import io.berth.protocol.cluster.AssignAllocation;
import io.berth.protocol.cluster.StopAllocation;
import io.berth.protocol.job.JobType;
import io.berth.protocol.job.NetworkMode;
import io.berth.protocol.job.Resources;
import io.berth.protocol.job.RestartPolicy;
import io.berth.protocol.job.Task;
import io.berth.protocol.oci.image.ImageConfig;
import io.berth.runtime.ContainerRuntime;
import io.berth.runtime.bundle.BusyboxBundle;
import io.berth.storage.image.ImageStore;
import io.berth.storage.image.ImageStoreOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code berth bench agent}: the node agent in this JVM, outside a cluster, on a busybox image already in its
 * store. It measures the time from an {@link AssignAllocation} to the RUNNING report (network mode none and
 * bridge, taking turns so that the machine's noise falls on both), then the JVM's resident memory (VmRSS of
 * /proc/self/status), heap after GC and threads, idle and with {@code --containers} running containers, and
 * from those the heap per supervised container. Everything it starts (containers, mounts, its own CNI bridge)
 * it removes again.
 */
@Command(name = "agent", description = "Benchmark the node agent: assignment to RUNNING with a cached image (network "
        + "none and bridge), resident memory idle and with many running containers, heap per supervised container.")
public final class AgentBench implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--runs", paramLabel = "N", description = "Measured assignments per network mode (default: ${DEFAULT-VALUE}).")
    int runs = 50;

    @Option(names = "--warmup", paramLabel = "N", description = "Unmeasured assignments first (default: ${DEFAULT-VALUE}).")
    int warmup = 20;

    @Option(names = "--containers", paramLabel = "N",
            description = "Running containers for the memory figures (default: ${DEFAULT-VALUE}).")
    int containers = 100;

    @Option(names = "--subnet", paramLabel = "CIDR",
            description = "The bench's own bridge subnet, unused elsewhere on this machine (default: ${DEFAULT-VALUE}).")
    String subnet = "10.231.250.0/24";

    @Option(names = "--json", description = "Print one JSON object with every figure.")
    boolean json;

    private static final String IMAGE = "bench.local/busybox:1";
    private static final String NETWORK = "berth-bench-agent";
    private static final String BRIDGE = "bbench0";
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** What the agent reported, in order, for the bench thread to wait on. */
    private final BlockingQueue<AllocationStateChanged> reports = new LinkedBlockingQueue<>();
    /** Samples of the parts of an assignment, in milliseconds. */
    private final Map<String, List<Double>> phases = new LinkedHashMap<>();

    /** JVM memory and threads at one moment. */
    private record Footprint(long rssBytes, long heapBytes, int threads) {}

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || warmup < 0 || containers < 1) {
            throw new IllegalArgumentException("--runs and --containers must be at least 1, --warmup at least 0");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String loadBefore = loadAverage();
        Path work = Files.createTempDirectory("berth-bench-agent");
        ImageStore images = null;
        ContainerRuntime runtime = null;
        ContainerNetwork network = null;
        ActorSystem<Void> system = null;
        try {
            images = ImageStore.open(work.resolve("images"), ImageStoreOptions.defaults());
            runtime = ContainerRuntime.open(work.resolve("state"));
            network = ContainerNetwork.open(new NetworkConfig(work.resolve("net"), Path.of("/usr/lib/cni"), NETWORK,
                    BRIDGE, subnet, Duration.ofSeconds(30)));
            Path bundle = BusyboxBundle.create(work.resolve("busybox"), BusyboxBundle.defaultSpec(List.of("sh")));
            images.createImage(IMAGE, bundle.resolve("rootfs"), new ImageConfig.ExecConfig(null, null,
                    List.of("PATH=/bin:/sbin:/usr/bin:/usr/sbin"), null, List.of("sh"), null, null, null, null));

            system = ActorSystem.create(Behaviors.empty(), "berth-bench-agent");
            ActorRef<AllocationStateChanged> collector = system.systemActorOf(
                    Behaviors.receiveMessage(m -> {
                        reports.add(m);
                        return Behaviors.same();
                    }), "reports", Props.empty());
            ActorRef<AgentCommand> agent = system.systemActorOf(NodeAgent.create(AgentConfig.defaults(work.resolve("agent")),
                    runtime, images, ImageFetcher.none(), new CniNetworkSetup(network), Clock.systemUTC(), null),
                    "agent", Props.empty());
            agent.tell(new NodeAgent.Subscribe(collector));
            Footprint start = footprint();

            int seq = 0;
            for (int i = 0; i < warmup; i++) {
                runOnce(agent, "warm-" + (seq++), i % 2 == 0 ? NetworkMode.NONE : NetworkMode.BRIDGE);
            }
            phases.clear();
            Map<String, List<Double>> samples = new LinkedHashMap<>();
            samples.put("none", new ArrayList<>());
            samples.put("bridge", new ArrayList<>());
            for (int i = 0; i < runs; i++) {
                samples.get("none").add(runOnce(agent, "none-" + (seq++), NetworkMode.NONE));
                samples.get("bridge").add(runOnce(agent, "bridge-" + (seq++), NetworkMode.BRIDGE));
                if (!json && (i + 1) % 10 == 0) {
                    err.printf("berth bench agent: %d of %d rounds%n", i + 1, runs);
                    err.flush();
                }
            }
            Footprint idle = footprint();

            Set<String> ids = new HashSet<>();
            for (int i = 0; i < containers; i++) {
                String id = "many-" + i;
                ids.add(id);
                agent.tell(new AssignAllocation(id, "bench", 1, JobType.SERVICE, "many", List.of(task(NetworkMode.NONE)), Map.of(), AllocationPlacement.NONE, null));
            }
            awaitAll(ids, AllocationState.RUNNING);
            Footprint busy = footprint();
            ids.forEach(id -> agent.tell(new StopAllocation(id, null)));
            awaitAll(ids, AllocationState.STOPPED);

            print(out, samples, start, idle, busy, loadBefore, loadAverage());
            return 0;
        } finally {
            if (system != null) {
                system.terminate();
                system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
            }
            cleanUp(work, runtime, network, images, err);
        }
    }

    /**
     * One allocation from assignment to RUNNING, in milliseconds; then stopped (not timed). Also records, from
     * the reports' own times, how long it took to STARTING (the image) and from there to RUNNING (rootfs,
     * network, create and start) in {@code phases} under {@code <mode>-image} and {@code <mode>-launch}.
     */
    private double runOnce(ActorRef<AgentCommand> agent, String id, NetworkMode mode) throws InterruptedException {
        Instant assigned = Instant.now();
        long t0 = System.nanoTime();
        agent.tell(new AssignAllocation(id, "bench", 1, JobType.SERVICE, "latency", List.of(task(mode)), Map.of(), AllocationPlacement.NONE, null));
        Map<AllocationState, Instant> seen = awaitAll(Set.of(id), AllocationState.RUNNING);
        double ms = (System.nanoTime() - t0) / 1e6;
        String m = mode.name().toLowerCase(Locale.ROOT);
        phases.computeIfAbsent(m + "-image", k -> new ArrayList<>())
                .add(Duration.between(assigned, seen.get(AllocationState.STARTING)).toNanos() / 1e6);
        phases.computeIfAbsent(m + "-launch", k -> new ArrayList<>()).add(Duration.between(
                seen.get(AllocationState.STARTING), seen.get(AllocationState.RUNNING)).toNanos() / 1e6);
        agent.tell(new StopAllocation(id, null));
        awaitAll(Set.of(id), AllocationState.STOPPED);
        return ms;
    }

    /** A task that sleeps until stopped; SIGKILL 100 ms after the stop signal (sleep ignores SIGTERM as pid 1). */
    private static Task task(NetworkMode mode) {
        return new Task("main", IMAGE, List.of("sleep", "100000"), null, null, new Resources(100, 16, 0), mode, null,
                null, null, new RestartPolicy(0, Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofSeconds(1),
                RestartPolicy.Mode.FAIL), null, Duration.ofMillis(100), null);
    }

    /** Waits until every one of {@code ids} reported {@code state}; returns when each state was last reported. */
    private Map<AllocationState, Instant> awaitAll(Set<String> ids, AllocationState state) throws InterruptedException {
        Map<AllocationState, Instant> seen = new EnumMap<>(AllocationState.class);
        Set<String> waiting = new HashSet<>(ids);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!waiting.isEmpty()) {
            AllocationStateChanged c = reports.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (c == null) {
                throw new IllegalStateException("no " + state + " within " + WAIT + " for " + waiting);
            }
            if (waiting.contains(c.allocationId()) && c.state() != state && c.state().terminal()) {
                throw new IllegalStateException("allocation " + c.allocationId() + " ended " + c.state() + " waiting for "
                        + state + ": " + c.detail());
            }
            seen.put(c.state(), c.at());
            if (c.state() == state) {
                waiting.remove(c.allocationId());
            }
        }
        return seen;
    }

    private static Footprint footprint() throws IOException, InterruptedException {
        // several collections, so that what only the next cycle frees is gone too
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        long rss = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return new Footprint(rss, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(),
                ManagementFactory.getThreadMXBean().getThreadCount());
    }

    private static String loadAverage() throws IOException {
        String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
        return f[0] + " " + f[1] + " " + f[2];
    }

    private void print(PrintWriter out, Map<String, List<Double>> samples, Footprint start, Footprint idle,
                       Footprint busy, String loadBefore, String loadAfter) {
        Map<String, Percentiles> latency = new LinkedHashMap<>();
        samples.forEach((k, v) -> latency.put(k, Percentiles.of(v)));
        double heapPer = (busy.heapBytes() - idle.heapBytes()) / (double) containers;
        int cores = Runtime.getRuntime().availableProcessors();
        String gc = ManagementFactory.getGarbageCollectorMXBeans().get(0).getName();
        if (json) {
            StringBuilder b = new StringBuilder("{\"assign_to_running\":{");
            latency.forEach((k, p) -> b.append(b.charAt(b.length() - 1) == '{' ? "" : ",").append(String.format(Locale.ROOT,
                    "\"%s\":{\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"min_ms\":%.3f}", k, p.p50(), p.p90(),
                    p.p99(), samples.get(k).stream().mapToDouble(Double::doubleValue).min().orElseThrow())));
            b.append("},\"phases_p50_ms\":{");
            phases.forEach((k, v) -> b.append(b.charAt(b.length() - 1) == '{' ? "" : ",")
                    .append(String.format(Locale.ROOT, "\"%s\":%.3f", k, Percentiles.of(v).p50())));
            b.append(String.format(Locale.ROOT, "},\"runs\":%d,\"containers\":%d,\"memory\":{", runs, containers));
            b.append(footprintJson("start", start)).append(',').append(footprintJson("idle", idle)).append(',')
                    .append(footprintJson("busy", busy));
            b.append(String.format(Locale.ROOT, "},\"heap_per_container_bytes\":%.0f,\"cores\":%d,\"gc\":\"%s\","
                    + "\"load_before\":\"%s\",\"load_after\":\"%s\"}", heapPer, cores, gc, loadBefore, loadAfter));
            out.println(b);
        } else {
            out.printf(Locale.ROOT, "assignment -> RUNNING, busybox sleep with a cached image, %d runs per network mode, "
                    + "interleaved%n", runs);
            out.printf(Locale.ROOT, "%-8s %10s %10s %10s %10s%n", "network", "p50 ms", "p90 ms", "p99 ms", "min ms");
            latency.forEach((k, p) -> out.printf(Locale.ROOT, "%-8s %10.1f %10.1f %10.1f %10.1f%n", k, p.p50(), p.p90(),
                    p.p99(), samples.get(k).stream().mapToDouble(Double::doubleValue).min().orElseThrow()));
            out.printf(Locale.ROOT, "p50 of its parts: %s%n", String.join(", ", phases.entrySet().stream()
                    .map(e -> String.format(Locale.ROOT, "%s %.1f ms", e.getKey(), Percentiles.of(e.getValue()).p50()))
                    .toList()));
            double floor = latency.get("none").p50();
            out.printf(Locale.ROOT, "p50 with network none under 50 ms (the floor): %s%n", floor < 50 ? "met" : "MISSED");
            out.printf(Locale.ROOT, "%-26s %10s %10s %8s%n", "agent JVM", "RSS MiB", "heap MiB", "threads");
            printFootprint(out, "at start", start);
            printFootprint(out, "idle (after the runs)", idle);
            printFootprint(out, containers + " containers running", busy);
            out.printf(Locale.ROOT, "heap per supervised container: %.1f KiB (heap after GC, %s)%n", heapPer / 1024, gc);
            out.printf(Locale.ROOT, "machine: %d cores, load average %s before, %s after%n", cores, loadBefore, loadAfter);
        }
        out.flush();
    }

    private static void printFootprint(PrintWriter out, String name, Footprint f) {
        out.printf(Locale.ROOT, "%-26s %10.1f %10.1f %8d%n", name, f.rssBytes() / 1048576.0, f.heapBytes() / 1048576.0,
                f.threads());
    }

    private static String footprintJson(String name, Footprint f) {
        return String.format(Locale.ROOT, "\"%s\":{\"rss_bytes\":%d,\"heap_bytes\":%d,\"threads\":%d}", name,
                f.rssBytes(), f.heapBytes(), f.threads());
    }

    /** Removes whatever a failed run left: containers, the bridge, mounts below the work directory, the files. */
    private static void cleanUp(Path work, ContainerRuntime runtime, ContainerNetwork network, ImageStore images,
                                PrintWriter err) throws IOException, InterruptedException {
        if (runtime != null) {
            for (var c : runtime.list()) {
                try {
                    runtime.delete(c.id(), true);
                } catch (RuntimeException e) {
                    err.println("berth bench agent: cannot delete container " + c.id() + ": " + e.getMessage());
                }
            }
        }
        if (network != null) {
            try {
                network.removeBridge();
            } catch (RuntimeException e) {
                err.println("berth bench agent: cannot remove bridge " + BRIDGE + ": " + e.getMessage());
            }
        }
        for (String l : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String target = l.split(" ")[4];
            if (target.startsWith(work.toString())) {
                new ProcessBuilder("umount", "-l", target).inheritIO().start().waitFor();
            }
        }
        if (images != null) {
            images.close();
        }
        if (runtime != null) {
            runtime.close();
        }
        new ProcessBuilder("rm", "-rf", work.toString()).inheritIO().start().waitFor();
    }
}
