package io.berth.agent;

import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.cluster.AllocationStateChanged;
import io.berth.protocol.cluster.CborSerializable;
import io.berth.protocol.cluster.NodeStatus;
import io.berth.protocol.job.Job;
import io.berth.protocol.job.JobSpecs;
import io.berth.protocol.job.JobType;
import io.berth.protocol.job.Task;
import io.berth.protocol.job.TaskGroup;
import io.berth.runtime.ContainerRuntime;
import io.berth.storage.image.ImageStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The node agent: fingerprints the machine, accepts {@link Assign} and {@link Stop}, persists every allocation
 * in its own RocksDB before it acts on it, runs one {@link ContainerSupervisor} per allocation, and sends every
 * state change to the allocation's {@code replyTo} and to all subscribers.
 *
 * <p>On start it re-creates a supervisor for every persisted allocation that has not ended. There is no live
 * restore yet: such a supervisor removes a container left by the previous agent process and starts the task
 * again (reported as PENDING with that reason); one whose stop was requested is stopped. A graceful stop of
 * the agent leaves containers running.
 */
public final class NodeAgent extends AbstractBehavior<NodeAgent.Command> {

    public sealed interface Command extends CborSerializable {}

    /**
     * Run {@code task} as allocation {@code allocationId}. Every state change of it goes to {@code replyTo};
     * invalid input is answered with one FAILED naming the field. Re-sending an Assign for an allocation the
     * agent has is harmless: {@code replyTo} is added to its watchers, or told the final state if it ended.
     *
     * @param hostPorts the host port per port label the scheduler gave the allocation
     */
    public record Assign(String allocationId, String jobId, String taskGroup, Task task, Map<String, Integer> hostPorts,
                         ActorRef<AllocationStateChanged> replyTo) implements Command {}

    /** Stop an allocation; answered with a {@link StopAnswer}, the STOPPED state follows as a state change. */
    public record Stop(String allocationId, ActorRef<StopAnswer> replyTo) implements Command {}

    /** Whether a {@link Stop} was accepted, and if not, why. */
    public record StopAnswer(String allocationId, boolean accepted, String reason) implements CborSerializable {}

    /** Sends every allocation's state changes to {@code subscriber} from now on. */
    public record Subscribe(ActorRef<AllocationStateChanged> subscriber) implements Command {}

    public record GetFingerprint(ActorRef<Fingerprint> replyTo) implements Command {}

    /** The last lines of an allocation's stdout or stderr (while its supervisor runs). */
    public record TailLogs(String allocationId, LogFiles.Stream stream, int lines,
                           ActorRef<ContainerSupervisor.LogsReply> replyTo) implements Command {}

    /** Streams what an allocation's task writes from now on to {@code follower} (while its supervisor runs). */
    public record FollowLogs(String allocationId, ActorRef<LogFiles.LogChunk> follower) implements Command {}

    public record GetStats(String allocationId, ActorRef<ContainerSupervisor.StatsReply> replyTo) implements Command {}

    /**
     * Sends a {@link NodeStatus} to {@code replyTo} now and then every {@code every}, replacing an earlier
     * request (until cluster registration exists, whoever wants the reports asks for them).
     */
    public record ReportStatus(ActorRef<NodeStatus> replyTo, Duration every) implements Command {}

    private record StateReported(AllocationStateChanged change) implements Command {}

    private enum StatusTick implements Command { INSTANCE }

    private record StatusReady(NodeStatus status) implements Command {}

    private record SupervisorEnded(String allocationId) implements Command {}

    /** Allocation ids double as container ids and directory names. */
    private static final Pattern ALLOCATION_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    private final AgentServices services;
    private final TimerScheduler<Command> timers;
    private final String node;
    private ActorRef<NodeStatus> statusTo;
    private final AllocationStore store;
    private final Fingerprint fingerprint;
    private final ActorRef<ImageService.Command> images;
    private final ActorRef<AllocationStateChanged> reports;
    private final Map<String, Allocation> allocations = new HashMap<>();
    private final Map<String, ActorRef<ContainerSupervisor.Command>> supervisors = new HashMap<>();
    private final Map<String, Set<ActorRef<AllocationStateChanged>>> watchers = new HashMap<>();
    private final Set<ActorRef<AllocationStateChanged>> subscribers = new HashSet<>();

    private NodeAgent(ActorContext<Command> context, TimerScheduler<Command> timers, AgentServices services,
                      AllocationStore store, ActorRef<ImageService.Command> images) throws IOException {
        super(context);
        this.services = services;
        this.timers = timers;
        this.node = InetAddress.getLocalHost().getHostName();
        this.store = store;
        this.images = images;
        this.fingerprint = Fingerprint.probe(services.config().dataDir(), services.config().labels());
        this.reports = context.messageAdapter(AllocationStateChanged.class, StateReported::new);
        context.getLog().info("node agent up: {}", fingerprint);
        for (Allocation a : store.all()) {
            allocations.put(a.allocationId(), a);
            if (!a.state().terminal()) {
                Allocation restored = a.withState(AllocationState.PENDING, null);
                persist(restored);
                spawn(restored, true);
            }
        }
    }

    /**
     * The agent. It opens its database in {@code config.dataDir()/allocations} and closes it when it stops;
     * the runtime and image store stay the caller's.
     *
     * @param fetcher brings images the store lacks ({@link ImageFetcher#none()} for none)
     */
    public static Behavior<Command> create(AgentConfig config, ContainerRuntime runtime, ImageStore images,
                                           ImageFetcher fetcher, NetworkSetup network, Clock clock) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            AllocationStore store = AllocationStore.open(config.dataDir().resolve("allocations"));
            ActorRef<ImageService.Command> imageService = ctx.spawn(ImageService.create(images, fetcher), "images");
            try {
                return new NodeAgent(ctx, timers, new AgentServices(runtime, images, network, config, clock), store,
                        imageService);
            } catch (IOException e) {
                store.close();
                throw new UncheckedIOException(e);
            } catch (RuntimeException e) {
                store.close();
                throw e;
            }
        }));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Assign.class, this::onAssign)
                .onMessage(Stop.class, this::onStop)
                .onMessage(Subscribe.class, this::onSubscribe)
                .onMessage(GetFingerprint.class, this::onGetFingerprint)
                .onMessage(TailLogs.class, this::onTailLogs)
                .onMessage(FollowLogs.class, this::onFollowLogs)
                .onMessage(GetStats.class, this::onGetStats)
                .onMessage(StateReported.class, this::onStateReported)
                .onMessage(SupervisorEnded.class, this::onSupervisorEnded)
                .onMessage(ReportStatus.class, this::onReportStatus)
                .onMessageEquals(StatusTick.INSTANCE, this::onStatusTick)
                .onMessage(StatusReady.class, this::onStatusReady)
                .onSignal(PostStop.class, s -> onPostStop())
                .build();
    }

    private Behavior<Command> onAssign(Assign a) {
        String invalid = validate(a);
        if (invalid != null) {
            getContext().getLog().warn("assign {} refused: {}", a.allocationId(), invalid);
            a.replyTo().tell(new AllocationStateChanged(String.valueOf(a.allocationId()), AllocationState.FAILED, null,
                    invalid, services.clock().instant()));
            return this;
        }
        Allocation known = allocations.get(a.allocationId());
        if (known != null && known.state().terminal()) {
            a.replyTo().tell(new AllocationStateChanged(known.allocationId(), known.state(), known.exitCode(),
                    "already " + known.state(), services.clock().instant()));
            return this;
        }
        watchers.computeIfAbsent(a.allocationId(), k -> new HashSet<>()).add(a.replyTo());
        if (known != null) {
            return this;
        }
        Allocation alloc = new Allocation(a.allocationId(), a.jobId(), a.taskGroup(), a.task(), a.hostPorts(), false,
                AllocationState.PENDING, null);
        persist(alloc);
        spawn(alloc, false);
        return this;
    }

    /** Null when the assignment can be tried, else what is wrong with it. */
    private String validate(Assign a) {
        if (a.allocationId() == null || !ALLOCATION_ID.matcher(a.allocationId()).matches()) {
            return "allocation_id: '" + a.allocationId() + "' is not 1-128 characters of letters, digits, '_', '.' and '-' "
                    + "starting with a letter or digit";
        }
        Task t = a.task();
        if (t == null) {
            return "task: missing";
        }
        // the job validator's checks of one task: a job around it, its paths renamed to the task's
        List<String> errors = JobSpecs.validate(new Job("assigned", JobType.BATCH, null, null, null,
                List.of(new TaskGroup("group", 1, List.of(t), null, null, null, null, null, null)),
                null, null, null, null, null, null));
        if (!errors.isEmpty()) {
            return errors.stream().map(e -> e.replace("groups[0].tasks[0].", "task.")).collect(Collectors.joining("; "));
        }
        try {
            ImageFetcher.normalise(t.image());
            Signals.parse(t.stopSignal());
        } catch (IllegalArgumentException e) {
            return e.getMessage().startsWith("task.") ? e.getMessage() : "task.image: " + e.getMessage();
        }
        long memory = (long) t.resources().memoryMb() << 20;
        if (t.resources().memoryMb() <= 0 || memory > fingerprint.memoryBytes()) {
            return "task.resources.memory_mb: " + t.resources().memoryMb() + " MiB does not fit this node ("
                    + (fingerprint.memoryBytes() >> 20) + " MiB)";
        }
        for (var check : t.checks()) {
            if (check.type() != io.berth.protocol.job.HealthCheck.Type.EXEC
                    && (a.hostPorts() == null || !a.hostPorts().containsKey(check.port()))) {
                return "task.checks." + check.name() + ".port: the allocation has no host port labelled '"
                        + check.port() + "'";
            }
        }
        return null;
    }

    private void spawn(Allocation alloc, boolean restored) {
        ActorRef<ContainerSupervisor.Command> ref = getContext().spawn(
                ContainerSupervisor.create(alloc, services, images, reports, restored), "alloc-" + alloc.allocationId());
        getContext().watchWith(ref, new SupervisorEnded(alloc.allocationId()));
        supervisors.put(alloc.allocationId(), ref);
    }

    private Behavior<Command> onStop(Stop s) {
        Allocation a = allocations.get(s.allocationId());
        if (a == null) {
            s.replyTo().tell(new StopAnswer(s.allocationId(), false, "allocation_id: no allocation '"
                    + s.allocationId() + "' on this agent"));
            return this;
        }
        if (a.state().terminal()) {
            s.replyTo().tell(new StopAnswer(s.allocationId(), true, "already " + a.state()));
            return this;
        }
        persist(a.withStopRequested());
        supervisors.get(s.allocationId()).tell(ContainerSupervisor.Stop.INSTANCE);
        s.replyTo().tell(new StopAnswer(s.allocationId(), true, ""));
        return this;
    }

    private Behavior<Command> onStateReported(StateReported r) {
        AllocationStateChanged c = r.change();
        if (c.state() == AllocationState.FAILED || c.state() == AllocationState.OOM_KILLED) {
            getContext().getLog().warn("allocation {} {}: {}", c.allocationId(), c.state(), c.detail());
        }
        Allocation a = allocations.get(c.allocationId());
        if (a != null) {
            persist(a.withState(c.state(), c.exitCode()));
        }
        watchers.getOrDefault(c.allocationId(), Set.of()).forEach(w -> w.tell(c));
        subscribers.forEach(s -> s.tell(c));
        if (c.state().terminal()) {
            watchers.remove(c.allocationId());
        }
        return this;
    }

    private Behavior<Command> onSupervisorEnded(SupervisorEnded e) {
        supervisors.remove(e.allocationId());
        Allocation a = allocations.get(e.allocationId());
        if (a != null && !a.state().terminal()) {
            // The supervisor failed with an exception: say so rather than leave the allocation hanging.
            return onStateReported(new StateReported(new AllocationStateChanged(e.allocationId(), AllocationState.FAILED,
                    null, "the agent's supervisor of this allocation crashed; see the agent log", services.clock().instant())));
        }
        return this;
    }

    private Behavior<Command> onReportStatus(ReportStatus r) {
        statusTo = r.replyTo();
        timers.startTimerWithFixedDelay(StatusTick.INSTANCE, Duration.ZERO, r.every());
        return this;
    }

    private Behavior<Command> onStatusTick() {
        int cpu = 0;
        long memory = 0;
        int count = 0;
        for (Allocation a : allocations.values()) {
            if (!a.state().terminal()) {
                cpu += a.task().resources().cpuMhz();
                memory += a.task().resources().memoryMb();
                count++;
            }
        }
        int usedCpu = cpu;
        long usedMemory = memory;
        int allocs = count;
        // the image index is on disk: read it off the actor's thread
        CompletableFuture<NodeStatus> f = CompletableFuture.supplyAsync(() -> {
            try {
                return new NodeStatus(node, usedCpu, usedMemory, allocs, services.images().list().stream()
                        .map(i -> i.target().digest().toString()).distinct().sorted().toList(), services.clock().instant());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, getContext().getSystem().dispatchers().lookup(DispatcherSelector.blocking()));
        getContext().pipeToSelf(f, (status, failure) -> {
            if (failure != null) {
                getContext().getLog().warn("cannot list the images for the node status: {}", failure.toString());
            }
            return new StatusReady(status != null ? status
                    : new NodeStatus(node, usedCpu, usedMemory, allocs, List.of(), services.clock().instant()));
        });
        return this;
    }

    private Behavior<Command> onStatusReady(StatusReady r) {
        if (statusTo != null) {
            statusTo.tell(r.status());
        }
        return this;
    }

    private Behavior<Command> onSubscribe(Subscribe s) {
        subscribers.add(s.subscriber());
        return this;
    }

    private Behavior<Command> onGetFingerprint(GetFingerprint g) {
        g.replyTo().tell(fingerprint);
        return this;
    }

    private Behavior<Command> onTailLogs(TailLogs t) {
        ActorRef<ContainerSupervisor.Command> s = supervisors.get(t.allocationId());
        if (s == null) {
            t.replyTo().tell(new ContainerSupervisor.LogsReply(t.allocationId(), null, unknown(t.allocationId())));
        } else {
            s.tell(new ContainerSupervisor.TailLogs(t.stream(), t.lines(), t.replyTo()));
        }
        return this;
    }

    private Behavior<Command> onFollowLogs(FollowLogs m) {
        ActorRef<ContainerSupervisor.Command> s = supervisors.get(m.allocationId());
        if (s == null) {
            getContext().getLog().info("follow logs of {} refused: {}", m.allocationId(), unknown(m.allocationId()));
        } else {
            s.tell(new ContainerSupervisor.FollowLogs(m.follower()));
        }
        return this;
    }

    private Behavior<Command> onGetStats(GetStats g) {
        ActorRef<ContainerSupervisor.Command> s = supervisors.get(g.allocationId());
        if (s == null) {
            g.replyTo().tell(new ContainerSupervisor.StatsReply(g.allocationId(), null, unknown(g.allocationId())));
        } else {
            s.tell(new ContainerSupervisor.GetStats(g.replyTo()));
        }
        return this;
    }

    private String unknown(String allocationId) {
        Allocation a = allocations.get(allocationId);
        return a == null ? "allocation_id: no allocation '" + allocationId + "' on this agent"
                : "allocation " + allocationId + " is " + a.state() + " and has no container";
    }

    private void persist(Allocation a) {
        try {
            store.put(a);
        } catch (IOException e) {
            // Acting on what is not on disk would break the promise a restarted agent relies on.
            throw new UncheckedIOException(e);
        }
        allocations.put(a.allocationId(), a);
    }

    private Behavior<Command> onPostStop() {
        store.close();
        return this;
    }
}
