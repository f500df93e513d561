package io.berth.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.agent.LiveRestoreTest.Child;
import io.berth.agent.LiveRestoreTest.Event;
import io.berth.protocol.oci.image.Descriptor;
import io.berth.protocol.oci.image.ImageConfig;
import io.berth.protocol.oci.image.Manifest;
import io.berth.protocol.oci.image.OciJson;
import io.berth.runtime.ContainerRuntime;
import io.berth.runtime.ContainerStatus;
import io.berth.runtime.bundle.BusyboxBundle;
import io.berth.storage.content.IngestStatus;
import io.berth.storage.image.ImageStore;
import io.berth.storage.image.ImageStoreOptions;
import io.berth.storage.image.StoreCheck;
import io.berth.storage.registry.ImagePusher;
import io.berth.storage.registry.ImageReference;
import io.berth.storage.registry.RegistryClient;
import io.berth.storage.registry.ThrottlingProxy;
import io.berth.storage.registry.TransferListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 7's drill "SIGKILL an agent in the middle of a pull and of a container start": an agent in a child JVM
 * ({@link ChildAgent}) pulling from a real registry (Debian's docker-registry) is killed with SIGKILL while a
 * layer is coming in, while that layer is unpacked, and while a container is being created; a new agent over the
 * same data directory must find its image store consistent ({@link ImageStore#check}: every blob's digest and
 * size, index and files agreeing), resume the pull where it stopped, leave nothing behind of the interrupted
 * start, and bring the allocation to exactly one running container. Each drill prints {@code FIGURE name value} lines.
 */
class AgentCrashDrillTest {
    static final long PID = ProcessHandle.current().pid();
    static final String NETWORK = "berth-cd" + PID;
    static final String BRIDGE = "bcd" + (PID % 1_000_000);
    static final String SUBNET = "10.236." + (PID % 250) + ".0/24";
    /** Random, so gzip cannot shrink it: the pull takes long enough to be caught in the middle. */
    static final int LAYER_DATA = 32 << 20;
    /** How much of a blob the gate lets through before it holds the rest. */
    static final long GATE_BUDGET = 8L << 20;

    private static Path shared;
    private static LocalRegistry registry;
    private static ThrottlingProxy proxy;
    /** The big image as the agent names it: through the proxy. */
    private static String bigImage;
    private static Descriptor bigLayer;

    private Path dir;
    private ContainerRuntime runtime;
    private final List<Child> children = new ArrayList<>();

    @BeforeAll
    static void pushABigImage() throws Exception {
        shared = Files.createTempDirectory("berth-crash-drill");
        registry = LocalRegistry.start(shared.resolve("registry"));
        proxy = new ThrottlingProxy(Integer.parseInt(registry.hostPort().substring(registry.hostPort().indexOf(':') + 1)), 0);
        Path bundle = BusyboxBundle.create(shared.resolve("busybox"), BusyboxBundle.defaultSpec(List.of("sh")));
        byte[] random = new byte[LAYER_DATA];
        new Random(7).nextBytes(random);
        Files.createDirectories(bundle.resolve("rootfs/data"));
        Files.write(bundle.resolve("rootfs/data/random.bin"), random);
        String local = "example.com/drill/big:1";
        try (ImageStore source = ImageStore.open(shared.resolve("source"), ImageStoreOptions.defaults())) {
            Descriptor target = source.createImage(local, bundle.resolve("rootfs"), execConfig()).target();
            new ImagePusher(RegistryClient.builder().build(), source, 2, ImagePusher.DEFAULT_CHUNK_SIZE)
                    .push(local, ImageReference.parse(registry.hostPort() + "/drill/big:1"), null, TransferListener.NONE);
            Manifest m = OciJson.manifest(source.content().readAll(target.digest(), 1 << 20), "manifest");
            bigLayer = m.layers().get(0);
        }
        assertThat(bigLayer.size()).as("the layer stays big compressed").isGreaterThan(LAYER_DATA);
        bigImage = proxy.hostPort() + "/drill/big:1";
    }

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("berth-crash-drill-agent");
        // this JVM only looks: the runtime keeps no lock, unlike the image store the child JVMs open in turn
        runtime = ContainerRuntime.open(dir.resolve("state"));
        proxy.unthrottle();
    }

    @Test
    void anAgentKilledMidPullAndMidUnpackRestartsOnAConsistentStoreResumesTheLayerAndRunsTheAllocation() throws Exception {
        proxy.shut(GATE_BUDGET);
        Child first = start(bigImage);
        first.send("assign pulled 0 exec sleep 1000");
        first.await("pulled", "PULLING");
        Path ingest = awaitIngestBeyond(bigLayer.size() / 8, first);
        first.kill();
        long partial = Files.size(ingest);
        assertThat(partial).as("killed in the middle of the layer").isBetween(1L, bigLayer.size() - 1);
        assertThat(first.of("pulled")).extracting(Event::state).doesNotContain("STARTING", "RUNNING");
        assertThat(dir.resolve("images/blobs/sha256").resolve(bigLayer.digest().hex())).doesNotExist();

        // The store a killed pull leaves: reopened (as the next agent will), nothing named, the layer an ingest only.
        try (ImageStore images = ImageStore.open(dir.resolve("images"), ImageStoreOptions.defaults())) {
            StoreCheck check = images.check();
            assertThat(check.problems()).isEmpty();
            assertThat(images.list()).isEmpty();
            assertThat(images.content().info(bigLayer.digest())).as("no partial blob indexed as complete").isEmpty();
            assertThat(images.content().ingests()).extracting(IngestStatus::expected).contains(bigLayer.digest());
            assertThat(images.content().leases().active()).as("the killed pull's lease is dropped").isEmpty();
        }

        proxy.unthrottle();
        long deliveredBefore = proxy.delivered();
        long restarted = System.nanoTime();
        Child second = start(bigImage);
        long ready = System.nanoTime();
        assertThat(second.await("pulled", "PENDING").detail()).contains("found no container");
        second.await("pulled", "PULLING");
        // The pull done, the layer is unpacked for the container's rootfs: the second agent is killed in the middle.
        awaitUnpacking(second);
        figure("mid_pull_agent_boot_s", (ready - restarted) / 1e9);
        figure("mid_pull_ready_to_pulled_s", (System.nanoTime() - ready) / 1e9);
        second.kill();
        long fetched = proxy.delivered() - deliveredBefore;
        figure("mid_pull_bytes_kept_mib", partial / 1048576.0);
        figure("mid_pull_bytes_fetched_after_restart_mib", fetched / 1048576.0);
        assertThat(proxy.requests()).as("the layer is resumed with Range").containsPattern("(?i)range: bytes=[1-9][0-9]*-");
        assertThat(fetched).as("only what was missing is fetched again").isLessThan(bigLayer.size());
        assertThat(second.of("pulled")).extracting(Event::state).doesNotContain("RUNNING");
        try (ImageStore images = ImageStore.open(dir.resolve("images"), ImageStoreOptions.defaults())) {
            StoreCheck check = images.check();
            assertThat(check.problems()).isEmpty();
            assertThat(check).extracting(StoreCheck::images, StoreCheck::snapshots, StoreCheck::ingests)
                    .as("the image whole, no half-unpacked snapshot").containsExactly(1, 0, 0);
        }

        restarted = System.nanoTime();
        Child third = start(bigImage);
        ready = System.nanoTime();
        third.await("pulled", "RUNNING");
        figure("mid_unpack_agent_boot_s", (ready - restarted) / 1e9);
        figure("mid_unpack_ready_to_running_s", (System.nanoTime() - ready) / 1e9);
        assertThat(proxy.delivered() - deliveredBefore).as("nothing fetched again").isEqualTo(fetched);
        assertThat(runtime.status(containerOf("pulled"))).isEqualTo(ContainerStatus.RUNNING);

        third.send("stop pulled");
        third.await("pulled", "STOPPED");
        third.kill();
        try (ImageStore images = ImageStore.open(dir.resolve("images"), ImageStoreOptions.defaults())) {
            StoreCheck check = images.check();
            assertThat(check.problems()).isEmpty();
            assertThat(check.images()).isEqualTo(1);
            assertThat(check.ingests()).as("the resumed ingest was committed").isZero();
            assertThat(images.content().info(bigLayer.digest())).isPresent();
        }
        assertNothingLeft("pulled");
    }

    /**
     * @param killAt the runtime's step the kill follows: {@code directory}, the container's state directory made
     *               (before its cgroup and init), or {@code state.json}, written once its init is spawned in its
     *               cgroup (and before the init has set the container up)
     */
    @ParameterizedTest(name = "killed after {0}")
    @ValueSource(strings = {"directory", "state.json"})
    void anAgentKilledWhileCreatingAContainerLeavesNothingBehindAndRunsExactlyOneAfterRestart(String killAt) throws Exception {
        try (ImageStore images = ImageStore.open(dir.resolve("images"), ImageStoreOptions.defaults())) {
            Path bundle = BusyboxBundle.create(dir.resolve("busybox"), BusyboxBundle.defaultSpec(List.of("sh")));
            images.createImage(AgentFixture.BUSYBOX, bundle.resolve("rootfs"), execConfig());
        }
        // A marker in the command line tells this allocation's processes from every other on the machine.
        String marker = Long.toString(100_000 + PID % 900_000);
        String id = null;
        Child first = null;
        // The kill comes the moment the runtime makes the container's state directory: from then until the agent
        // reports RUNNING the container is being created (cgroup, init, mounts) and started. Should the agent be
        // faster than the watch, the attempt does not count and another allocation is tried.
        for (int attempt = 1; attempt <= 3 && id == null; attempt++) {
            String candidate = "started" + attempt;
            first = start(null);
            try (WatchService watch = dir.getFileSystem().newWatchService()) {
                dir.resolve("state").register(watch, StandardWatchEventKinds.ENTRY_CREATE);
                first.send("assign " + candidate + " 0 exec sleep " + marker);
                awaitCreated(watch, candidate, killAt);
                first.kill();
            }
            if (first.of(candidate).stream().noneMatch(e -> e.state().equals("RUNNING"))) {
                id = candidate;
                figure("mid_start_" + stage(killAt) + "_attempts", attempt);
            } else {
                // too late: it runs; the next agent adopts it, then it is stopped
                Child cleaner = start(null);
                cleaner.send("stop " + candidate);
                cleaner.await(candidate, "STOPPED");
                cleaner.kill();
            }
        }
        assertThat(id).as("one of three kills came between the container's creation and RUNNING").isNotNull();
        String left = describeLeftovers(id);
        System.out.println("mid-start kill left: " + left);

        long restarted = System.nanoTime();
        Child second = start(null);
        long ready = System.nanoTime();
        Event pending = second.await(id, "PENDING");
        assertThat(pending.detail()).as("an interrupted start is started again, not counted as a crash")
                .containsAnyOf("while it was starting the task", "found no container");
        second.await(id, "RUNNING");
        figure("mid_start_" + stage(killAt) + "_agent_boot_s", (ready - restarted) / 1e9);
        figure("mid_start_" + stage(killAt) + "_ready_to_running_s", (System.nanoTime() - ready) / 1e9);
        assertThat(second.of(id)).extracting(Event::state).doesNotContain("EXITED", "FAILED");

        // Exactly one container: one runtime entry, one process running the task, and its cgroup holding only it.
        String container = containerOf(id);
        assertThat(runtime.list()).hasSize(1);
        assertThat(runtime.status(container)).isEqualTo(ContainerStatus.RUNNING);
        assertThat(processesRunning("sleep " + marker)).as("processes running the task").hasSize(1);
        // in reaper mode its cgroup holds its init and the task's process, nothing an interrupted create spawned
        Path procs = Path.of("/sys/fs/cgroup/memory" + runtime.spec(container).linux().cgroupsPath(), "cgroup.procs");
        List<Long> inCgroup = Files.readAllLines(procs).stream().map(Long::parseLong).toList();
        assertThat(inCgroup).containsExactlyInAnyOrder((long) runtime.state(container).pid(),
                processesRunning("sleep " + marker).get(0));
        assertThat(overlayMountsUnder(dir)).as("one rootfs mounted").hasSize(1);

        second.send("stop " + id);
        second.await(id, "STOPPED");
        second.kill();
        try (ImageStore images = ImageStore.open(dir.resolve("images"), ImageStoreOptions.defaults())) {
            StoreCheck check = images.check();
            assertThat(check.problems()).isEmpty();
            assertThat(check.containers()).as("no rootfs left on record").isZero();
        }
        assertThat(processesRunning("sleep " + marker)).isEmpty();
        assertNothingLeft(id);
    }

    // --- the drills' tools

    private Child start(String image) throws IOException {
        List<String> options = image == null ? List.of()
                : List.of("-D" + ChildAgent.PULL_PROPERTY + "=true", "-D" + ChildAgent.IMAGE_PROPERTY + "=" + image);
        Child c = new Child(ChildAgent.launch(dir, NETWORK, BRIDGE, SUBNET, options));
        children.add(c);
        c.awaitReady();
        return c;
    }

    private static ImageConfig.ExecConfig execConfig() {
        return new ImageConfig.ExecConfig(null, null, List.of("PATH=/bin:/sbin:/usr/bin:/usr/sbin"), null, List.of("sh"),
                null, null, null, null);
    }

    /** Waits until an ingest's data file holds more than {@code bytes} and returns it: the pull is under way. */
    private Path awaitIngestBeyond(long bytes, Child agent) throws Exception {
        Path ingest = dir.resolve("images/ingest");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            assertThat(agent.of("pulled")).extracting(Event::state).doesNotContain("FAILED");
            try (Stream<Path> files = Files.walk(ingest)) {
                for (Path f : files.filter(f -> f.getFileName().toString().equals("data")).toList()) {
                    if (Files.size(f) > bytes) {
                        return f;
                    }
                }
            } catch (IOException | java.io.UncheckedIOException raced) {
                // an ingest committed or appeared while listing: look again
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no ingest of " + ingest + " grew past " + bytes + " bytes within 60 s");
    }

    /** Waits until the agent unpacks a layer into a temporary snapshot directory. */
    private void awaitUnpacking(Child agent) throws Exception {
        Path snapshots = dir.resolve("images/snapshots");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            assertThat(agent.of("pulled")).extracting(Event::state).doesNotContain("FAILED", "RUNNING");
            try (Stream<Path> dirs = Files.list(snapshots)) {
                if (dirs.anyMatch(d -> d.getFileName().toString().startsWith("tmp-"))) {
                    return;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the agent unpacked no layer into " + snapshots + " within 60 s");
    }

    /**
     * Waits for the runtime to create the state directory of the allocation's container, then, for
     * {@code state.json}, that file in it.
     */
    private void awaitCreated(WatchService watch, String id, String killAt) throws Exception {
        Path container = dir.resolve("state").resolve(awaitEntry(watch, name -> isContainerOf(name, id)));
        if (killAt.equals("state.json")) {
            container.register(watch, StandardWatchEventKinds.ENTRY_CREATE);
            if (!Files.exists(container.resolve("state.json"))) {  // written before the watch began
                awaitEntry(watch, "state.json"::equals);
            }
        }
    }

    /** The allocation's container: its id is the allocation's, or the allocation's and a task's name. */
    private static boolean isContainerOf(String containerId, String allocationId) {
        return containerId.equals(allocationId) || containerId.startsWith(allocationId + ".");
    }

    private String containerOf(String allocationId) {
        List<String> ids = runtime.list().stream().map(c -> c.id()).filter(c -> isContainerOf(c, allocationId)).toList();
        assertThat(ids).as("containers of allocation " + allocationId).hasSize(1);
        return ids.get(0);
    }

    /** Waits for an entry whose name {@code wanted} accepts to be created; returns its name. */
    private static String awaitEntry(WatchService watch, java.util.function.Predicate<String> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            WatchKey key = watch.poll(50, TimeUnit.MILLISECONDS);
            if (key == null) {
                continue;
            }
            java.util.Optional<String> found = key.pollEvents().stream().filter(e -> e.context() instanceof Path)
                    .map(e -> ((Path) e.context()).getFileName().toString()).filter(wanted).findFirst();
            key.reset();
            if (found.isPresent()) {
                return found.get();
            }
        }
        throw new AssertionError("the runtime made no such entry within 60 s");
    }

    private static String stage(String killAt) {
        return killAt.equals("directory") ? "creating" : "init_spawned";
    }

    /** What the killed agent left of the container, for the log: its runtime status, cgroup and init. */
    private String describeLeftovers(String id) {
        String status;
        try {
            status = runtime.status(containerOf(id)).toString();
        } catch (RuntimeException | AssertionError e) {
            status = "none (" + e.getMessage() + ")";
        }
        return "runtime status " + status + ", memory cgroup " + (Files.exists(Path.of("/sys/fs/cgroup/memory/berth", id))
                ? "present" : "absent") + ", rootfs overlays " + overlayMountsUnder(dir).size();
    }

    /** Pids of the processes whose command line is exactly {@code cmdline} (arguments joined by spaces). */
    private static List<Long> processesRunning(String cmdline) {
        return ProcessHandle.allProcesses().filter(p -> {
            try {
                byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline"));
                return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').trim().equals(cmdline);
            } catch (IOException gone) {
                return false;
            }
        }).map(ProcessHandle::pid).toList();
    }

    private static List<String> overlayMountsUnder(Path dir) {
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .filter(l -> l.split(" ")[4].startsWith(dir.toString()) && l.contains(" - overlay ")).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** No container, no cgroup of the allocation, no mount below the agent's directory. */
    private void assertNothingLeft(String id) throws IOException {
        assertThat(runtime.list()).isEmpty();
        for (String controller : List.of("memory", "cpu", "pids", "freezer")) {
            assertThat(Path.of("/sys/fs/cgroup", controller, "berth", id)).doesNotExist();
        }
        assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo"))).noneMatch(l -> l.contains(dir.toString()));
    }

    private static void figure(String name, double value) {
        System.out.printf("FIGURE %s %.2f%n", name, value);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Child c : children) {
            c.kill();
        }
        ChildAgent.cleanUp(dir, runtime, NETWORK, BRIDGE, SUBNET);
    }

    @AfterAll
    static void stopRegistry() throws Exception {
        proxy.close();
        registry.close();
        new ProcessBuilder("rm", "-rf", shared.toString()).inheritIO().start().waitFor();
    }
}
