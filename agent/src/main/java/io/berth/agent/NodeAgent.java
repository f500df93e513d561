package io.berth.agent;

import io.berth.protocol.cluster.AgentCommand;
import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.cluster.AllocationStateChanged;
import io.berth.protocol.cluster.AllocationStats;
import io.berth.protocol.cluster.AssignAllocation;
import io.berth.protocol.cluster.FollowLogs;
import io.berth.protocol.cluster.GetAllocationStats;
import io.berth.protocol.cluster.LogChunk;
import io.berth.protocol.cluster.LogLines;
import io.berth.protocol.cluster.LogStream;
import io.berth.protocol.cluster.NodeStatus;
import io.berth.protocol.cluster.RestartAllocation;
import io.berth.protocol.cluster.SignalAllocation;
import io.berth.protocol.cluster.StopAllocation;
import io.berth.protocol.cluster.StopAnswer;
import io.berth.protocol.cluster.TailLogs;
import io.berth.protocol.cluster.UnfollowLogs;
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
 * The node agent: fingerprints the machine, accepts the cluster's {@link AgentCommand}s ({@link AssignAllocation},
 * {@link StopAllocation}, logs, stats, restart and signal), persists every allocation
 * in its own RocksDB before it acts on it, runs one {@link ContainerSupervisor} per allocation, and sends every
 * state change to the allocation's {@code replyTo} and to all subscribers.
 *
 * <p>On start it re-creates a supervisor for every persisted allocation that has not ended. There is no live
 * restore yet: such a supervisor removes a container left by the previous agent process and starts the task
 * again (reported as PENDING with that reason); one whose stop was requested is stopped. A graceful stop of
 * the agent leaves containers running.
 */
public final class NodeAgent extends AbstractBehavior<AgentCommand> {

    /** Local only: sends every allocation's state changes to {@code subscriber} from now on. */
    public record Subscribe(ActorRef<AllocationStateChanged> subscriber) implements AgentCommand {}

    /** Local only: what the agent fingerprinted of its machine. */
    public record GetFingerprint(ActorRef<Fingerprint> replyTo) implements AgentCommand {}

    /**
     * Sends a {@link NodeStatus} to {@code replyTo} now and then every {@code every}, replacing an earlier
     * request (until cluster registration exists, whoever wants the reports asks for them).
     */
    public record ReportStatus(ActorRef<NodeStatus> replyTo, Duration every) implements AgentCommand {}

    private record StateReported(AllocationStateChanged change) implements AgentCommand {}

    private enum StatusTick implements AgentCommand { INSTANCE }

    private record StatusReady(NodeStatus status) implements AgentCommand {}

    private record SupervisorEnded(String allocationId) implements AgentCommand {}

    /** Allocation ids double as container ids and directory names. */
    private static final Pattern ALLOCATION_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    private final AgentServices services;
    private final TimerScheduler<AgentCommand> timers;
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

    private NodeAgent(ActorContext<AgentCommand> context, TimerScheduler<AgentCommand> timers, AgentServices services,
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
    public static Behavior<AgentCommand> create(AgentConfig config, ContainerRuntime runtime, ImageStore images,
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
    public Receive<AgentCommand> createReceive() {
        return newReceiveBuilder()
                .onMessage(AssignAllocation.class, this::onAssign)
                .onMessage(StopAllocation.class, this::onStop)
                .onMessage(Subscribe.class, this::onSubscribe)
                .onMessage(GetFingerprint.class, this::onGetFingerprint)
                .onMessage(TailLogs.class, this::onTailLogs)
                .onMessage(FollowLogs.class, this::onFollowLogs)
                .onMessage(UnfollowLogs.class, this::onUnfollowLogs)
                .onMessage(GetAllocationStats.class, this::onGetStats)
                .onMessage(RestartAllocation.class, this::onRestart)
                .onMessage(SignalAllocation.class, this::onSignal)
                .onMessage(StateReported.class, this::onStateReported)
                .onMessage(SupervisorEnded.class, this::onSupervisorEnded)
                .onMessage(ReportStatus.class, this::onReportStatus)
                .onMessageEquals(StatusTick.INSTANCE, this::onStatusTick)
                .onMessage(StatusReady.class, this::onStatusReady)
                .onSignal(PostStop.class, s -> onPostStop())
                .build();
    }

    private Behavior<AgentCommand> onAssign(AssignAllocation a) {
        String invalid = validate(a);
        if (invalid != null) {
            getContext().getLog().warn("assign {} refused: {}", a.allocationId(), invalid);
            tell(a.replyTo(), new AllocationStateChanged(a.allocationId(), AllocationState.FAILED, null, invalid,
                    services.clock().instant()));
            return this;
        }
        Allocation known = allocations.get(a.allocationId());
        if (known != null && known.state().terminal()) {
            tell(a.replyTo(), new AllocationStateChanged(known.allocationId(), known.state(), known.exitCode(),
                    "already " + known.state(), services.clock().instant()));
            return this;
        }
        if (a.replyTo() != null) {
            watchers.computeIfAbsent(a.allocationId(), k -> new HashSet<>()).add(a.replyTo());
        }
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
    private String validate(AssignAllocation a) {
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

    private static void tell(ActorRef<AllocationStateChanged> to, AllocationStateChanged c) {
        if (to != null) {
            to.tell(c);
        }
    }

    private void spawn(Allocation alloc, boolean restored) {
        ActorRef<ContainerSupervisor.Command> ref = getContext().spawn(
                ContainerSupervisor.create(alloc, services, images, reports, restored), "alloc-" + alloc.allocationId());
        getContext().watchWith(ref, new SupervisorEnded(alloc.allocationId()));
        supervisors.put(alloc.allocationId(), ref);
    }

    private Behavior<AgentCommand> onStop(StopAllocation s) {
        Allocation a = allocations.get(s.allocationId());
        StopAnswer answer;
        if (a == null) {
            answer = new StopAnswer(s.allocationId(), false, unknown(s.allocationId()));
        } else if (a.state().terminal()) {
            answer = new StopAnswer(s.allocationId(), true, "already " + a.state());
        } else {
            persist(a.withStopRequested());
            supervisors.get(s.allocationId()).tell(ContainerSupervisor.Stop.INSTANCE);
            answer = new StopAnswer(s.allocationId(), true, "");
        }
        if (s.replyTo() != null) {
            s.replyTo().tell(answer);
        }
        return this;
    }

    private Behavior<AgentCommand> onStateReported(StateReported r) {
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

    private Behavior<AgentCommand> onSupervisorEnded(SupervisorEnded e) {
        supervisors.remove(e.allocationId());
        Allocation a = allocations.get(e.allocationId());
        if (a != null && !a.state().terminal()) {
            // The supervisor failed with an exception: say so rather than leave the allocation hanging.
            return onStateReported(new StateReported(new AllocationStateChanged(e.allocationId(), AllocationState.FAILED,
                    null, "the agent's supervisor of this allocation crashed; see the agent log", services.clock().instant())));
        }
        return this;
    }

    private Behavior<AgentCommand> onReportStatus(ReportStatus r) {
        statusTo = r.replyTo();
        timers.startTimerWithFixedDelay(StatusTick.INSTANCE, Duration.ZERO, r.every());
        return this;
    }

    private Behavior<AgentCommand> onStatusTick() {
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

    private Behavior<AgentCommand> onStatusReady(StatusReady r) {
        if (statusTo != null) {
            statusTo.tell(r.status());
        }
        return this;
    }

    private Behavior<AgentCommand> onSubscribe(Subscribe s) {
        subscribers.add(s.subscriber());
        return this;
    }

    private Behavior<AgentCommand> onGetFingerprint(GetFingerprint g) {
        g.replyTo().tell(fingerprint);
        return this;
    }

    private Behavior<AgentCommand> onTailLogs(TailLogs t) {
        ActorRef<ContainerSupervisor.Command> s = supervisors.get(t.allocationId());
        if (s == null) {
            t.replyTo().tell(new LogLines(t.allocationId(), "", unknown(t.allocationId())));
        } else {
            s.tell(new ContainerSupervisor.TailLogs(t.stream(), t.lines(), t.replyTo()));
        }
        return this;
    }

    private Behavior<AgentCommand> onFollowLogs(FollowLogs m) {
        ActorRef<ContainerSupervisor.Command> s = supervisors.get(m.allocationId());
        if (s == null) {
            m.follower().tell(new LogChunk(m.allocationId(), LogStream.STDOUT, null, unknown(m.allocationId())));
        } else {
            s.tell(new ContainerSupervisor.FollowLogs(m.follower()));
        }
        return this;
    }

    private Behavior<AgentCommand> onUnfollowLogs(UnfollowLogs m) {
        ActorRef<ContainerSupervisor.Command> s = supervisors.get(m.allocationId());
        if (s != null) {
            s.tell(new ContainerSupervisor.Unfollow(m.follower()));
        }
        return this;
    }

    private Behavior<AgentCommand> onGetStats(GetAllocationStats g) {
        ActorRef<ContainerSupervisor.Command> s = supervisors.get(g.allocationId());
        if (s == null) {
            g.replyTo().tell(new AllocationStats(g.allocationId(), 0, 0, 0, 0, services.clock().instant(),
                    unknown(g.allocationId())));
        } else {
            s.tell(new ContainerSupervisor.GetStats(g.replyTo()));
        }
        return this;
    }

    private Behavior<AgentCommand> onRestart(RestartAllocation r) {
        ActorRef<ContainerSupervisor.Command> s = supervisors.get(r.allocationId());
        if (s == null) {
            r.replyTo().tell(new StopAnswer(r.allocationId(), false, unknown(r.allocationId())));
        } else {
            s.tell(new ContainerSupervisor.Restart(r.replyTo()));
        }
        return this;
    }

    private Behavior<AgentCommand> onSignal(SignalAllocation m) {
        ActorRef<ContainerSupervisor.Command> s = supervisors.get(m.allocationId());
        if (s == null) {
            m.replyTo().tell(new StopAnswer(m.allocationId(), false, unknown(m.allocationId())));
            return this;
        }
        int signal;
        try {
            signal = Signals.parse(m.signal());
        } catch (IllegalArgumentException e) {
            m.replyTo().tell(new StopAnswer(m.allocationId(), false, e.getMessage().replace("task.stop_signal: ", "signal: ")));
            return this;
        }
        s.tell(new ContainerSupervisor.Signal(signal, m.replyTo()));
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

    private Behavior<AgentCommand> onPostStop() {
        store.close();
        return this;
    }
}
