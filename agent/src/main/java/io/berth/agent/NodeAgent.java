package io.berth.agent;

import io.berth.protocol.cluster.AgentCommand;
import io.berth.protocol.cluster.AllocationReport;
import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.cluster.AllocationStateChanged;
import io.berth.protocol.cluster.AllocationStats;
import io.berth.protocol.cluster.AssignAllocation;
import io.berth.protocol.cluster.FollowLogs;
import io.berth.protocol.cluster.GetAllocationStats;
import io.berth.protocol.cluster.HeartbeatAck;
import io.berth.protocol.cluster.LeaveAck;
import io.berth.protocol.cluster.LeaveNode;
import io.berth.protocol.cluster.LogChunk;
import io.berth.protocol.cluster.LogLines;
import io.berth.protocol.cluster.LogStream;
import io.berth.protocol.cluster.NodeHeartbeat;
import io.berth.protocol.cluster.NodeRegistered;
import io.berth.protocol.cluster.NodeStatus;
import io.berth.protocol.cluster.PortRanges;
import io.berth.protocol.cluster.RegisterNode;
import io.berth.protocol.cluster.RestartAllocation;
import io.berth.protocol.cluster.SchedulerCommand;
import io.berth.protocol.cluster.SignalAllocation;
import io.berth.protocol.cluster.StopAllocation;
import io.berth.protocol.cluster.StopAnswer;
import io.berth.protocol.cluster.TailLogs;
import io.berth.protocol.cluster.UnfollowLogs;
import io.berth.protocol.job.HealthCheck;
import io.berth.protocol.job.Job;
import io.berth.protocol.job.JobSpecs;
import io.berth.protocol.job.JobType;
import io.berth.protocol.job.NetworkMode;
import io.berth.protocol.job.Port;
import io.berth.protocol.job.Task;
import io.berth.protocol.job.TaskGroup;
import io.berth.runtime.ContainerRuntime;
import io.berth.storage.image.ImageStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The node agent: fingerprints the machine, accepts the cluster's {@link AgentCommand}s ({@link AssignAllocation},
 * {@link StopAllocation}, logs, stats, restart and signal), persists every allocation (its placement facts
 * included) in its own RocksDB before it acts on it, runs one {@link AllocationSupervisor} per allocation (which
 * runs one {@link ContainerSupervisor} per task), and sends every state change to the allocation's
 * {@code replyTo}, to all subscribers and to the scheduler. Logs, stats, restart and signal address the
 * allocation's first task: the protocol's messages name no task.
 *
 * <p>With a scheduler it registers ({@link RegisterNode}: its {@code NodeInfo}, every allocation that has not
 * ended or whose end the scheduler may not have heard, each with the placement facts it came with, its
 * {@link NodeStatus} with every image it holds by name and by digest, and the host ports that sockets other than
 * its allocations' listen on), sending the registration again
 * every {@code ask-timeout} until {@link NodeRegistered} comes; then a {@link NodeHeartbeat} every interval
 * the scheduler asks for. A {@link HeartbeatAck} saying the node is unknown, or {@value #MISSED_ACKS} heartbeats
 * in a row without an answer within {@code ask-timeout}, start the registration again. Containers keep running
 * all the while.
 *
 * <p>On start it re-creates a supervisor for every persisted allocation that has not ended, which adopts the
 * containers an earlier agent process left running or reports how they ended meanwhile (live restore, see
 * {@link AllocationSupervisor}); one whose stop was requested is stopped. A graceful shutdown of the actor system
 * leaves containers running unless
 * {@code berth.agent.drain-on-shutdown} is set: then, in the coordinated shutdown phase {@value #DRAIN_PHASE}, the
 * agent refuses new allocations, tells the scheduler it is leaving ({@link LeaveNode}, so that nothing new is
 * placed on the node and what it stops is placed elsewhere; it waits for the answer at most {@code ask-timeout},
 * and not at all while it is not registered), then stops every allocation.
 */
public final class NodeAgent extends AbstractBehavior<AgentCommand> {

    /** Local only: sends every allocation's state changes to {@code subscriber} from now on. */
    public record Subscribe(ActorRef<AllocationStateChanged> subscriber) implements AgentCommand {}

    /** Local only: what the agent fingerprinted of its machine. */
    public record GetFingerprint(ActorRef<Fingerprint> replyTo) implements AgentCommand {}

    private record StateReported(AllocationStateChanged change) implements AgentCommand {}

    private record RestartReported(AllocationSupervisor.TaskRestartDecided decided) implements AgentCommand {}

    private record SupervisorEnded(String allocationId) implements AgentCommand {}

    private enum RegisterNow implements AgentCommand { INSTANCE }

    private enum HeartbeatTick implements AgentCommand { INSTANCE }

    /** A status made off the actor's thread, for a registration or a heartbeat of {@code generation}. */
    private record StatusReady(boolean forRegistration, int generation, NodeStatus status) implements AgentCommand {}

    private record RegisterAnswered(int generation, Set<String> endsCarried, NodeRegistered reply, Throwable failure)
            implements AgentCommand {}

    /** @param sentBefore how many state changes had gone to the scheduler when the heartbeat went */
    private record HeartbeatAnswered(int generation, long sentBefore, HeartbeatAck ack, Throwable failure)
            implements AgentCommand {}

    private record Drain(ActorRef<Done> replyTo) implements AgentCommand {}

    private record LeaveAnswered(LeaveAck ack, Throwable failure) implements AgentCommand {}

    /** The coordinated shutdown phase in which a draining agent stops its allocations (see reference.conf). */
    static final String DRAIN_PHASE = "berth-agent-drain";

    /** Heartbeats in a row without an answer after which the agent registers again. */
    static final int MISSED_ACKS = 3;

    /** The shortest heartbeat interval the agent keeps, whatever the scheduler asks (0 would be a busy loop). */
    static final Duration MIN_HEARTBEAT = Duration.ofMillis(100);

    private static final String REGISTER_TIMER = "register";
    private static final String HEARTBEAT_TIMER = "heartbeat";

    /**
     * Allocation ids name directories and, joined to a task name by '.', containers: with no '.' of their own no
     * two tasks of any allocations share a container id.
     */
    private static final Pattern ALLOCATION_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");

    /** The longest container id the runtime and the image store take. */
    private static final int MAX_CONTAINER_ID = 128;

    private final AgentServices services;
    private final TimerScheduler<AgentCommand> timers;
    private final String node;
    private final AllocationStore store;
    private final Fingerprint fingerprint;
    private final ActorRef<ImageService.Command> images;
    private final ActorRef<AllocationStateChanged> reports;
    private final ActorRef<AllocationSupervisor.TaskRestartDecided> restarts;
    private final ActorRef<SchedulerCommand> scheduler;
    private final Cancellable drainTask;
    private final Map<String, Allocation> allocations = new HashMap<>();
    private final Map<String, ActorRef<AllocationSupervisor.Command>> supervisors = new HashMap<>();
    private final Map<String, Set<ActorRef<AllocationStateChanged>>> watchers = new HashMap<>();
    private final Set<ActorRef<AllocationStateChanged>> subscribers = new HashSet<>();

    /** Which registration the agent is in; answers to an earlier one are ignored. */
    private int generation;
    private boolean registered;
    private Duration heartbeatInterval;
    private int missedAcks;
    private int failedRegistrations;
    /** State changes sent to the scheduler so far, and for each ended allocation how many when its end went. */
    private long sent;
    private final Map<String, Long> endsSent = new HashMap<>();
    private ActorRef<Done> drainedTo;

    private NodeAgent(ActorContext<AgentCommand> context, TimerScheduler<AgentCommand> timers, AgentServices services,
                      AllocationStore store, ActorRef<ImageService.Command> images, ActorRef<SchedulerCommand> scheduler)
            throws IOException {
        super(context);
        this.services = services;
        this.timers = timers;
        this.node = services.config().nodeName().isEmpty() ? InetAddress.getLocalHost().getHostName()
                : services.config().nodeName();
        this.store = store;
        this.images = images;
        this.scheduler = scheduler;
        this.fingerprint = Fingerprint.probe(services.config().dataDir(), services.config().labels());
        this.reports = context.messageAdapter(AllocationStateChanged.class, StateReported::new);
        this.restarts = context.messageAdapter(AllocationSupervisor.TaskRestartDecided.class, RestartReported::new);
        context.getLog().info("node agent {} up: {}", node, fingerprint);
        for (Allocation a : store.all()) {
            allocations.put(a.allocationId(), a);
            if (!a.state().terminal()) {
                spawn(a, true);  // it reports what it finds: its container adopted, ended meanwhile, or gone
            }
        }
        this.drainTask = services.config().drainOnShutdown() ? addDrainTask() : null;
        if (scheduler != null) {
            register();
        }
    }

    /**
     * The agent. It opens its database in {@code config.dataDir()/allocations} and closes it when it stops;
     * the runtime and image store stay the caller's.
     *
     * @param fetcher   brings images the store lacks ({@link ImageFetcher#none()} for none)
     * @param scheduler the schedulers (the singleton's proxy) to register with and report to; null for an agent
     *                  outside a cluster, driven directly (tests, benchmarks)
     */
    public static Behavior<AgentCommand> create(AgentConfig config, ContainerRuntime runtime, ImageStore images,
                                                ImageFetcher fetcher, NetworkSetup network, Clock clock,
                                                ActorRef<SchedulerCommand> scheduler) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            AllocationStore store = AllocationStore.open(config.dataDir().resolve("allocations"));
            ActorRef<ImageService.Command> imageService = ctx.spawn(ImageService.create(images, fetcher), "images");
            try {
                return new NodeAgent(ctx, timers, new AgentServices(runtime, images, network, config, clock), store,
                        imageService, scheduler);
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
                .onMessage(RestartReported.class, this::onRestartReported)
                .onMessage(SupervisorEnded.class, this::onSupervisorEnded)
                .onMessageEquals(RegisterNow.INSTANCE, this::onRegisterNow)
                .onMessageEquals(HeartbeatTick.INSTANCE, this::onHeartbeatTick)
                .onMessage(StatusReady.class, this::onStatusReady)
                .onMessage(RegisterAnswered.class, this::onRegisterAnswered)
                .onMessage(HeartbeatAnswered.class, this::onHeartbeatAnswered)
                .onMessage(Drain.class, this::onDrain)
                .onMessage(LeaveAnswered.class, this::onLeaveAnswered)
                .onSignal(PostStop.class, s -> onPostStop())
                .build();
    }

    // --- allocations

    private Behavior<AgentCommand> onAssign(AssignAllocation a) {
        if (a.allocationId() == null || !ALLOCATION_ID.matcher(a.allocationId()).matches()) {
            refuse(a, "allocation_id: '" + a.allocationId() + "' is not 1-128 characters of letters, digits, '_' and "
                    + "'-' starting with a letter or digit");
            return this;
        }
        Allocation known = allocations.get(a.allocationId());
        if (known != null && known.state().terminal()) {
            tell(a.replyTo(), new AllocationStateChanged(known.allocationId(), known.state(), known.exitCode(),
                    "already " + known.state(), services.clock().instant()));
            return this;
        }
        if (known != null) {
            // a re-sent assignment (a scheduler that failed over, a lost answer): where it stands, then what follows
            tell(a.replyTo(), new AllocationStateChanged(known.allocationId(), known.state(), known.exitCode(),
                    known.detail(), services.clock().instant()));
            watch(a);
            return this;
        }
        if (drainedTo != null) {
            refuse(a, "the agent is shutting down and stops its allocations");
            return this;
        }
        Allocation alloc = new Allocation(a.allocationId(), a.jobId(), a.jobVersion(), a.taskGroup(), a.tasks(),
                a.hostPorts(), a.placement(), a.jobType() == JobType.BATCH, false, AllocationState.PENDING, null, "", false,
                Map.of());
        String invalid = validate(a);
        if (invalid != null) {
            // Kept, so that the scheduler hears it once more when it missed it and a re-sent assignment is told.
            getContext().getLog().warn("assign {} refused: {}", a.allocationId(), invalid);
            persist(alloc.withState(AllocationState.FAILED, null, invalid));
            tell(a.replyTo(), announce(new AllocationStateChanged(a.allocationId(), AllocationState.FAILED, null, invalid,
                    services.clock().instant())));
            return this;
        }
        watch(a);
        persist(alloc);
        spawn(alloc, false);
        return this;
    }

    /** An assignment that cannot even be kept (a bad id, or the agent is draining): answered, not persisted. */
    private void refuse(AssignAllocation a, String reason) {
        getContext().getLog().warn("assign {} refused: {}", a.allocationId(), reason);
        AllocationStateChanged failed = new AllocationStateChanged(String.valueOf(a.allocationId()),
                AllocationState.FAILED, null, reason, services.clock().instant());
        tell(a.replyTo(), failed);
        toScheduler(failed);
    }

    private void watch(AssignAllocation a) {
        if (a.replyTo() != null) {
            watchers.computeIfAbsent(a.allocationId(), k -> new HashSet<>()).add(a.replyTo());
        }
    }

    /** Null when the assignment can be tried, else what is wrong with it (each error with its field path). */
    private String validate(AssignAllocation a) {
        // the job validator's checks of one group: a job around it, its paths renamed to the assignment's
        List<String> errors = JobSpecs.validate(new Job("assigned", JobType.BATCH, null, null, null,
                List.of(new TaskGroup("group", 1, a.tasks(), null, null, null, null, null, null)),
                null, null, null, null, null, null)).stream().map(e -> e.replace("groups[0].", "")).toList();
        if (!errors.isEmpty()) {
            return String.join("; ", errors);
        }
        errors = new ArrayList<>();
        long memoryMb = 0;
        for (int i = 0; i < a.tasks().size(); i++) {
            Task t = a.tasks().get(i);
            String at = "tasks[" + i + "]";
            try {
                ImageFetcher.normalise(t.image());
            } catch (IllegalArgumentException e) {
                errors.add(at + ".image: " + e.getMessage());
            }
            try {
                Signals.parse(t.stopSignal());
            } catch (IllegalArgumentException e) {
                errors.add(e.getMessage().replace("task.", at + "."));
            }
            if (t.name() != null && a.allocationId().length() + 1 + t.name().length() > MAX_CONTAINER_ID) {
                errors.add(at + ".name: '" + t.name() + "' and the allocation id make a container id longer than "
                        + MAX_CONTAINER_ID + " characters; use a shorter task name");
            }
            if (t.network() != a.tasks().get(0).network()) {
                errors.add(at + ".network: " + t.network() + ", but tasks[0] has " + a.tasks().get(0).network()
                        + "; the tasks of an allocation share one network namespace");
            }
            if (t.network() == NetworkMode.BRIDGE) {
                for (Port p : t.ports()) {
                    if (!a.hostPorts().containsKey(p.label())) {
                        errors.add(at + ".ports." + p.label() + ": the allocation was given no host port for it");
                    }
                }
            }
            for (HealthCheck check : t.checks()) {
                if (check.type() != HealthCheck.Type.EXEC && !a.hostPorts().containsKey(check.port())) {
                    errors.add(at + ".checks." + check.name() + ".port: the allocation has no host port labelled '"
                            + check.port() + "'");
                }
            }
            memoryMb += t.resources().memoryMb();
        }
        if (errors.isEmpty() && memoryMb << 20 > fingerprint.memoryBytes()) {
            errors.add((a.tasks().size() == 1 ? "tasks[0].resources.memory_mb: " : "tasks.resources.memory_mb: together ")
                    + memoryMb + " MiB does not fit this node (" + (fingerprint.memoryBytes() >> 20) + " MiB)");
        }
        return errors.isEmpty() ? null : String.join("; ", errors);
    }

    private static void tell(ActorRef<AllocationStateChanged> to, AllocationStateChanged c) {
        if (to != null) {
            to.tell(c);
        }
    }

    private void spawn(Allocation alloc, boolean restored) {
        ActorRef<AllocationSupervisor.Command> ref = getContext().spawn(
                AllocationSupervisor.create(alloc, services, images, reports, restarts, restored), "alloc-" + alloc.allocationId());
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
            stop(a);
            answer = new StopAnswer(s.allocationId(), true, "");
        }
        if (s.replyTo() != null) {
            s.replyTo().tell(answer);
        }
        return this;
    }

    private void stop(Allocation a) {
        persist(a.withStopRequested());
        supervisors.get(a.allocationId()).tell(AllocationSupervisor.Stop.INSTANCE);
    }

    private Behavior<AgentCommand> onStateReported(StateReported r) {
        AllocationStateChanged c = r.change();
        if (c.state() == AllocationState.FAILED || c.state() == AllocationState.OOM_KILLED) {
            getContext().getLog().warn("allocation {} {}: {}", c.allocationId(), c.state(), c.detail());
        }
        Allocation a = allocations.get(c.allocationId());
        if (a != null) {
            persist(a.withState(c.state(), c.exitCode(), c.detail()));
        }
        watchers.getOrDefault(c.allocationId(), Set.of()).forEach(w -> w.tell(c));
        if (c.state().terminal()) {
            watchers.remove(c.allocationId());
        }
        announce(c);
        return this;
    }

    /**
     * Persists a task's restart history with its allocation, so that a restarted agent does not give a crash-looping
     * task a fresh set of attempts. The decision arrives before the restart's STARTING (it comes the same way,
     * earlier), and the restart is started only after its delay.
     */
    private Behavior<AgentCommand> onRestartReported(RestartReported r) {
        Allocation a = allocations.get(r.decided().allocationId());
        if (a != null && !a.state().terminal()) {
            persist(a.withRestarts(r.decided().task(), r.decided().history()));
        }
        return this;
    }

    /** Tells the subscribers and the scheduler; returns {@code c}. */
    private AllocationStateChanged announce(AllocationStateChanged c) {
        subscribers.forEach(s -> s.tell(c));
        toScheduler(c);
        if (scheduler != null && c.state().terminal()) {
            endsSent.put(c.allocationId(), sent);
        }
        return c;
    }

    private void toScheduler(AllocationStateChanged c) {
        if (scheduler != null) {
            scheduler.tell(c);
            sent++;
        }
    }

    private Behavior<AgentCommand> onSupervisorEnded(SupervisorEnded e) {
        supervisors.remove(e.allocationId());
        Allocation a = allocations.get(e.allocationId());
        if (a != null && !a.state().terminal()) {
            // The supervisor failed with an exception: say so rather than leave the allocation hanging.
            onStateReported(new StateReported(new AllocationStateChanged(e.allocationId(), AllocationState.FAILED,
                    null, "the agent's supervisor of this allocation crashed; see the agent log", services.clock().instant())));
        }
        if (drainedTo != null && supervisors.isEmpty()) {
            drainedTo.tell(Done.getInstance());
        }
        return this;
    }

    // --- registration and heartbeats

    /** Starts a registration: earlier answers no longer count, heartbeats pause until it succeeds. */
    private void register() {
        generation++;
        registered = false;
        missedAcks = 0;
        timers.cancel(HEARTBEAT_TIMER);
        requestStatus(true);
    }

    private Behavior<AgentCommand> onRegisterNow() {
        if (!registered) {
            requestStatus(true);
        }
        return this;
    }

    private Behavior<AgentCommand> onHeartbeatTick() {
        if (registered) {
            requestStatus(false);
        }
        return this;
    }

    /**
     * Makes a {@link NodeStatus} off the actor's thread (the image index is on disk, the listening sockets in /proc)
     * and sends it to self.
     */
    private void requestStatus(boolean forRegistration) {
        int cpu = 0;
        long memory = 0;
        int count = 0;
        Set<Integer> own = new HashSet<>();
        for (Allocation a : allocations.values()) {
            if (!a.state().terminal()) {
                cpu += a.cpuMhz();
                memory += a.memoryMb();
                count++;
                own.addAll(a.hostPorts().values()); // a host-network task listens on its own ports
            }
        }
        int usedCpu = cpu;
        long usedMemory = memory;
        int allocs = count;
        int gen = generation;
        CompletableFuture<NodeStatus> f = CompletableFuture.supplyAsync(() -> {
            try {
                // names and digests both: a task's image matches by its normalised reference or its pinned digest
                List<String> images = services.images().list().stream()
                        .flatMap(i -> Stream.of(i.name(), i.target().digest().toString())).distinct().sorted()
                        .toList();
                Set<Integer> others = ListeningPorts.current();
                others.addAll(services.network().tcpPortsForwardedByOthers());
                others.removeAll(own);
                return new NodeStatus(node, usedCpu, usedMemory, allocs, images, services.clock().instant(),
                        PortRanges.of(others).toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, getContext().getSystem().dispatchers().lookup(DispatcherSelector.blocking()));
        getContext().pipeToSelf(f, (status, failure) -> {
            if (failure != null) {
                getContext().getLog().warn("cannot list the images or the listening ports for the node status: {}",
                        failure.toString());
            }
            return new StatusReady(forRegistration, gen, status != null ? status
                    : new NodeStatus(node, usedCpu, usedMemory, allocs, List.of(), services.clock().instant()));
        });
    }

    private Behavior<AgentCommand> onStatusReady(StatusReady r) {
        if (r.generation() != generation) {
            return this;
        }
        if (r.forRegistration() && !registered) {
            sendRegistration(r.status());
        } else if (!r.forRegistration() && registered) {
            sendHeartbeat(r.status());
        }
        return this;
    }

    private void sendRegistration(NodeStatus status) {
        List<AllocationReport> held = new ArrayList<>();
        Set<String> ends = new HashSet<>();
        for (Allocation a : allocations.values()) {
            if (a.worthReporting()) {
                held.add(a.report());
                if (a.state().terminal()) {
                    ends.add(a.allocationId());
                }
            }
        }
        int gen = generation;
        var info = fingerprint.nodeInfo(node, services.config().datacenter())
                .withReservedPorts(services.config().reservedPorts());
        getContext().ask(NodeRegistered.class, scheduler, services.config().askTimeout(),
                replyTo -> new RegisterNode(info, getContext().getSelf(), held, status, replyTo),
                (reply, failure) -> new RegisterAnswered(gen, ends, reply, failure));
    }

    private Behavior<AgentCommand> onRegisterAnswered(RegisterAnswered r) {
        if (r.generation() != generation || registered) {
            return this;
        }
        if (r.failure() != null) {
            // The scheduler may be down, failing over or unreachable: the containers keep running meanwhile.
            if (failedRegistrations++ % 10 == 0) {
                getContext().getLog().warn("node {}: no answer to its registration after {} ({} tries); trying again",
                        node, services.config().askTimeout(), failedRegistrations);
            }
            // no pause: the ask only fails by timing out, which paces the tries
            timers.startSingleTimer(REGISTER_TIMER, RegisterNow.INSTANCE, Duration.ZERO);
            return this;
        }
        getContext().getLog().info("node {} registered; heartbeat every {} ms", node, r.reply().heartbeatMillis());
        registered = true;
        failedRegistrations = 0;
        r.endsCarried().forEach(this::endHeard);
        heartbeatEvery(Duration.ofMillis(r.reply().heartbeatMillis()));
        if (drainedTo != null) {
            leave(); // a scheduler that registered the node again (it failed over) must hear that it is leaving
        }
        return this;
    }

    private void heartbeatEvery(Duration asked) {
        Duration interval = asked.compareTo(MIN_HEARTBEAT) < 0 ? MIN_HEARTBEAT : asked;
        if (interval.equals(heartbeatInterval) && timers.isTimerActive(HEARTBEAT_TIMER)) {
            return;
        }
        heartbeatInterval = interval;
        timers.startTimerWithFixedDelay(HEARTBEAT_TIMER, HeartbeatTick.INSTANCE, interval);
    }

    private void sendHeartbeat(NodeStatus status) {
        int gen = generation;
        long before = sent;
        getContext().ask(HeartbeatAck.class, scheduler, services.config().askTimeout(),
                replyTo -> new NodeHeartbeat(status, replyTo),
                (ack, failure) -> new HeartbeatAnswered(gen, before, ack, failure));
    }

    private Behavior<AgentCommand> onHeartbeatAnswered(HeartbeatAnswered h) {
        if (h.generation() != generation || !registered) {
            return this;
        }
        if (h.failure() != null) {
            if (++missedAcks >= MISSED_ACKS) {
                getContext().getLog().warn("node {}: {} heartbeats in a row without an answer; registering again",
                        node, missedAcks);
                register();
            }
            return this;
        }
        if (!h.ack().known()) {
            getContext().getLog().info("node {}: the scheduler does not know this node; registering again", node);
            register();
            return this;
        }
        missedAcks = 0;
        // Messages from one actor to another arrive in order: the scheduler had every change sent before this heartbeat.
        List<String> heard = endsSent.entrySet().stream().filter(e -> e.getValue() <= h.sentBefore())
                .map(Map.Entry::getKey).toList();
        heard.forEach(this::endHeard);
        heartbeatEvery(Duration.ofMillis(h.ack().heartbeatMillis()));
        return this;
    }

    private void endHeard(String allocationId) {
        endsSent.remove(allocationId);
        Allocation a = allocations.get(allocationId);
        if (a != null && a.state().terminal() && !a.endHeard()) {
            persist(a.withEndHeard());
        }
    }

    // --- drain on shutdown

    private Cancellable addDrainTask() {
        var system = getContext().getSystem();
        ActorRef<AgentCommand> self = getContext().getSelf();
        // the phase's own timeout bounds the drain; this one only has to be longer
        Duration timeout = Duration.ofHours(1);
        return CoordinatedShutdown.get(system).addCancellableTask(DRAIN_PHASE, "drain-" + self.path().name(),
                () -> AskPattern.<AgentCommand, Done>ask(self, Drain::new, timeout, system.scheduler())
                        .exceptionally(e -> Done.getInstance()));
    }

    private Behavior<AgentCommand> onDrain(Drain d) {
        drainedTo = d.replyTo(); // new assignments are refused from now on
        if (scheduler == null || !registered) {
            // No scheduler heard from lately (unreachable, or this agent was downed): waiting for one to answer would
            // only delay the stop. Should a registration succeed meanwhile, the leave follows it.
            stopAll();
        } else {
            // The scheduler first, so that it replaces what stops here on other nodes, not on this one.
            getContext().getLog().info("node {}: leaving; telling the scheduler before draining {} allocations", node,
                    supervisors.size());
            leave();
        }
        return this;
    }

    private void leave() {
        getContext().ask(LeaveAck.class, scheduler, services.config().askTimeout(),
                replyTo -> new LeaveNode(node, replyTo), LeaveAnswered::new);
    }

    private Behavior<AgentCommand> onLeaveAnswered(LeaveAnswered l) {
        if (l.failure() != null) {
            getContext().getLog().warn("node {}: the scheduler did not answer that the node is leaving within {}; "
                    + "draining anyway (it may place replacements here, which are refused)", node,
                    services.config().askTimeout());
        }
        stopAll();
        return this;
    }

    /** Stops every allocation that still runs; the drain is done once none is left (here or in onSupervisorEnded). */
    private void stopAll() {
        int stopping = 0;
        for (Allocation a : List.copyOf(allocations.values())) {
            if (!a.state().terminal() && !a.stopRequested() && supervisors.containsKey(a.allocationId())) {
                stop(a);
                stopping++;
            }
        }
        if (stopping > 0) {
            getContext().getLog().info("node {}: draining {} allocations before shutdown", node, stopping);
        }
        if (supervisors.isEmpty()) {
            drainedTo.tell(Done.getInstance());
        }
    }

    // --- local queries, logs, stats, restart and signal

    private Behavior<AgentCommand> onSubscribe(Subscribe s) {
        subscribers.add(s.subscriber());
        return this;
    }

    private Behavior<AgentCommand> onGetFingerprint(GetFingerprint g) {
        g.replyTo().tell(fingerprint);
        return this;
    }

    private Behavior<AgentCommand> onTailLogs(TailLogs t) {
        ActorRef<AllocationSupervisor.Command> s = supervisors.get(t.allocationId());
        Allocation known = allocations.get(t.allocationId());
        String noTask = noSuchTask(t.allocationId(), t.task());
        if (noTask != null) {
            t.replyTo().tell(new LogLines(t.allocationId(), "", noTask));
        } else if (known != null && (s == null || known.state().terminal())) {
            // ended (its supervisor is gone or going): its log files stay, and are read off the actor's thread
            AgentConfig c = services.config();
            LogFiles files = new LogFiles(Allocation.taskDir(c, known.allocationId(), taskOrFirst(known, t.task()))
                    .resolve("logs"), c.logMaxBytes(), c.logMaxFiles());
            CompletableFuture.runAsync(() -> {
                try {
                    t.replyTo().tell(new LogLines(t.allocationId(), files.tail(t.stream(), Math.max(0, t.lines())), ""));
                } catch (IOException e) {
                    t.replyTo().tell(new LogLines(t.allocationId(), "", "cannot read the logs: " + e.getMessage()));
                }
            }, getContext().getSystem().dispatchers().lookup(DispatcherSelector.blocking()));
        } else if (!toTask(t.allocationId(), t.task(),
                new ContainerSupervisor.TailLogs(t.stream(), t.lines(), t.replyTo()))) {
            t.replyTo().tell(new LogLines(t.allocationId(), "", unknown(t.allocationId())));
        }
        return this;
    }

    private Behavior<AgentCommand> onFollowLogs(FollowLogs m) {
        String noTask = noSuchTask(m.allocationId(), m.task());
        if (noTask != null) {
            m.follower().tell(new LogChunk(m.allocationId(), LogStream.STDOUT, null, noTask));
        } else if (!toTask(m.allocationId(), m.task(), new ContainerSupervisor.FollowLogs(m.follower()))) {
            m.follower().tell(new LogChunk(m.allocationId(), LogStream.STDOUT, null, unknown(m.allocationId())));
        }
        return this;
    }

    private Behavior<AgentCommand> onUnfollowLogs(UnfollowLogs m) {
        if (noSuchTask(m.allocationId(), m.task()) == null) {
            toTask(m.allocationId(), m.task(), new ContainerSupervisor.Unfollow(m.follower()));
        }
        return this;
    }

    private Behavior<AgentCommand> onGetStats(GetAllocationStats g) {
        String noTask = noSuchTask(g.allocationId(), g.task());
        if (noTask != null || !toTask(g.allocationId(), g.task(), new ContainerSupervisor.GetStats(g.replyTo()))) {
            g.replyTo().tell(new AllocationStats(g.allocationId(), 0, 0, 0, 0, services.clock().instant(),
                    noTask != null ? noTask : unknown(g.allocationId())));
        }
        return this;
    }

    private Behavior<AgentCommand> onRestart(RestartAllocation r) {
        String noTask = noSuchTask(r.allocationId(), r.task());
        if (noTask != null || !supervisors.containsKey(r.allocationId())) {
            r.replyTo().tell(new StopAnswer(r.allocationId(), false, noTask != null ? noTask : unknown(r.allocationId())));
        } else {
            toTasks(r.allocationId(), r.task(), ContainerSupervisor.Restart::new, r.replyTo());
        }
        return this;
    }

    private Behavior<AgentCommand> onSignal(SignalAllocation m) {
        String noTask = noSuchTask(m.allocationId(), m.task());
        if (noTask != null || !supervisors.containsKey(m.allocationId())) {
            m.replyTo().tell(new StopAnswer(m.allocationId(), false, noTask != null ? noTask : unknown(m.allocationId())));
            return this;
        }
        int signal;
        try {
            signal = Signals.parse(m.signal());
        } catch (IllegalArgumentException e) {
            m.replyTo().tell(new StopAnswer(m.allocationId(), false, e.getMessage().replace("task.stop_signal: ", "signal: ")));
            return this;
        }
        toTasks(m.allocationId(), m.task(), replyTo -> new ContainerSupervisor.Signal(signal, replyTo), m.replyTo());
        return this;
    }

    /**
     * Sends a command to the supervisor of the named task, or of the allocation's first task when {@code task} is
     * null; false when the allocation has no supervisor. The caller has checked the name with {@link #noSuchTask}.
     */
    private boolean toTask(String allocationId, String task, ContainerSupervisor.Command command) {
        ActorRef<AllocationSupervisor.Command> s = supervisors.get(allocationId);
        if (s == null) {
            return false;
        }
        s.tell(new AllocationSupervisor.ForTask(taskOrFirst(allocations.get(allocationId), task), command));
        return true;
    }

    /**
     * Sends a restart or signal to the named task, or when {@code task} is null to every task of the allocation
     * (which has a supervisor), and gives {@code replyTo} one answer: accepted when every task accepted, else a
     * reason naming each task that did not and why. The tasks answer at once, so the wait is short.
     */
    private void toTasks(String allocationId, String task,
                         Function<ActorRef<StopAnswer>, ContainerSupervisor.Command> command,
                         ActorRef<StopAnswer> replyTo) {
        Allocation a = allocations.get(allocationId);
        if (task != null || a.tasks().size() == 1) {
            toTask(allocationId, task, command.apply(replyTo));
            return;
        }
        ActorRef<AllocationSupervisor.Command> s = supervisors.get(allocationId);
        var system = getContext().getSystem();
        Duration timeout = services.config().askTimeout();
        List<CompletableFuture<String>> refusals = a.tasks().stream().map(t -> AskPattern
                .<AllocationSupervisor.Command, StopAnswer>ask(s,
                        r -> new AllocationSupervisor.ForTask(t.name(), command.apply(r)), timeout, system.scheduler())
                .handle((answer, failure) -> failure != null ? "task " + t.name() + ": no answer in " + timeout
                        : answer.accepted() ? "" : answer.reason())
                .toCompletableFuture()).toList();
        CompletableFuture.allOf(refusals.toArray(CompletableFuture[]::new)).thenRun(() -> {
            String reason = String.join("; ", refusals.stream().map(CompletableFuture::join)
                    .filter(r -> !r.isEmpty()).toList());
            replyTo.tell(new StopAnswer(allocationId, reason.isEmpty(), reason));
        });
    }

    /** See {@link AgentCommand#noSuchTask}; null too when the agent does not know the allocation. */
    private String noSuchTask(String allocationId, String task) {
        Allocation a = allocations.get(allocationId);
        return a == null ? null : AgentCommand.noSuchTask(allocationId, task, a.tasks().stream().map(Task::name).toList());
    }

    private static String taskOrFirst(Allocation a, String task) {
        return task != null ? task : a.tasks().get(0).name();
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
        if (drainTask != null) {
            drainTask.cancel();
        }
        store.close();
        return this;
    }
}
