package io.berth.scheduler.hollow;

import io.berth.protocol.cluster.AgentCommand;
import io.berth.protocol.cluster.AllocationPlacement;
import io.berth.protocol.cluster.AllocationReport;
import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.cluster.AllocationStateChanged;
import io.berth.protocol.cluster.AllocationStats;
import io.berth.protocol.cluster.AssignAllocation;
import io.berth.protocol.cluster.FollowLogs;
import io.berth.protocol.cluster.GetAllocationStats;
import io.berth.protocol.cluster.HeartbeatAck;
import io.berth.protocol.cluster.LogChunk;
import io.berth.protocol.cluster.LogLines;
import io.berth.protocol.cluster.LogStream;
import io.berth.protocol.cluster.NodeHeartbeat;
import io.berth.protocol.cluster.NodeInfo;
import io.berth.protocol.cluster.NodeRegistered;
import io.berth.protocol.cluster.NodeStatus;
import io.berth.protocol.cluster.RegisterNode;
import io.berth.protocol.cluster.RestartAllocation;
import io.berth.protocol.cluster.SchedulerCommand;
import io.berth.protocol.cluster.SignalAllocation;
import io.berth.protocol.cluster.StopAllocation;
import io.berth.protocol.cluster.StopAnswer;
import io.berth.protocol.cluster.TailLogs;
import io.berth.protocol.cluster.UnfollowLogs;
import io.berth.protocol.job.Task;
import io.berth.storage.registry.ImagePuller;
import io.berth.storage.registry.ImageReference;
import io.berth.storage.registry.InvalidReferenceException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * One hollow node: it registers with the scheduler, heartbeats, and runs allocations on a fake runtime and image
 * store, reporting every state change as the real node agent does (PENDING, PULLING, STARTING, RUNNING; STOPPED
 * when stopped). Nothing is pulled or started; the image store is a set of store names and made-up digests. It
 * echoes each allocation's placement facts in its registrations, as a real agent does.
 *
 * <p>Thousands of these share a JVM, so one holds only its allocations (a few small objects each) and has no
 * timer of its own: its {@link HollowFleet} sends every agent the same {@link Tick}, on which it heartbeats when
 * due and re-sends an unanswered registration. It never logs per message. It is confined to its actor, except for
 * the fleet's counters, which it updates.
 */
public final class HollowAgent extends AbstractBehavior<AgentCommand> {

    /** The fleet's shared tick. */
    enum Tick implements AgentCommand { INSTANCE }

    private record Registered(NodeRegistered reply) implements AgentCommand {}

    private record Acked(HeartbeatAck ack) implements AgentCommand {}

    /** A delayed step of an allocation, applied only if the allocation is still in {@code from}. */
    private record Advance(String allocationId, AllocationState from, AllocationState to) implements AgentCommand {}

    /**
     * Per image reference, its store name and a made-up digest, as a real agent's store holds them; shared by every
     * node of the JVM so that thousands of nodes hold one pair of strings per image.
     */
    private static final Map<String, List<String>> IMAGES = new ConcurrentHashMap<>();

    /** What the agent keeps of an allocation. */
    private static final class Alloc {
        final String jobId;
        final long jobVersion;
        final String taskGroup;
        final int cpuMhz;
        final long memoryMb;
        /** The store names and digests of its tasks' images. */
        final List<String> images;
        final List<String> tasks;
        final Map<String, Integer> hostPorts;
        final AllocationPlacement placement;
        final ActorRef<AllocationStateChanged> replyTo;
        AllocationState state = AllocationState.PENDING;
        Integer exitCode;
        /** Ended while the agent was not registered: the next registration must tell. */
        boolean unheard;

        Alloc(AssignAllocation a) {
            this.jobId = a.jobId();
            this.jobVersion = a.jobVersion();
            this.taskGroup = a.taskGroup();
            this.cpuMhz = a.tasks().stream().mapToInt(t -> t.resources().cpuMhz()).sum();
            this.memoryMb = a.tasks().stream().mapToLong(t -> t.resources().memoryMb()).sum();
            this.images = a.tasks().size() == 1 ? images(a.tasks().get(0))
                    : a.tasks().stream().flatMap(t -> images(t).stream()).distinct().toList();
            this.tasks = a.tasks().stream().map(t -> t.name()).toList();
            this.hostPorts = a.hostPorts();
            this.placement = a.placement();
            this.replyTo = a.replyTo();
        }
    }

    private final NodeInfo info;
    private final HollowSettings settings;
    private final ActorRef<SchedulerCommand> scheduler;
    private final HollowFleet.Counters counters;
    private final ActorRef<NodeRegistered> registeredAdapter;
    private final ActorRef<HeartbeatAck> ackAdapter;
    private final Map<String, Alloc> allocations = new HashMap<>();
    private final TreeSet<String> images = new TreeSet<>();
    private boolean registered;
    private long registerSentMillis;
    private long heartbeatMillis;
    private long nextHeartbeatMillis;
    private int usedCpuMhz;
    private long usedMemoryMb;
    private int unfinished;

    private HollowAgent(ActorContext<AgentCommand> context, NodeInfo info, HollowSettings settings,
                        ActorRef<SchedulerCommand> scheduler, HollowFleet.Counters counters) {
        super(context);
        this.info = info;
        this.settings = settings;
        this.scheduler = scheduler;
        this.counters = counters;
        this.registeredAdapter = context.messageAdapter(NodeRegistered.class, Registered::new);
        this.ackAdapter = context.messageAdapter(HeartbeatAck.class, Acked::new);
        register();
    }

    /**
     * A hollow node named {@code info.name()} that registers with {@code scheduler} (the singleton's proxy) at once.
     * It expects {@link Tick}s from its fleet; without them it neither heartbeats nor retries.
     */
    public static Behavior<AgentCommand> create(NodeInfo info, HollowSettings settings,
                                                ActorRef<SchedulerCommand> scheduler, HollowFleet.Counters counters) {
        return Behaviors.setup(ctx -> new HollowAgent(ctx, info, settings, scheduler, counters));
    }

    @Override
    public Receive<AgentCommand> createReceive() {
        return newReceiveBuilder()
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .onMessage(Registered.class, this::onRegistered)
                .onMessage(Acked.class, this::onAcked)
                .onMessage(AssignAllocation.class, this::onAssign)
                .onMessage(StopAllocation.class, this::onStop)
                .onMessage(Advance.class, this::onAdvance)
                .onMessage(RestartAllocation.class, this::onRestart)
                .onMessage(SignalAllocation.class, this::onSignal)
                .onMessage(TailLogs.class, this::onTailLogs)
                .onMessage(FollowLogs.class, this::onFollowLogs)
                .onMessage(UnfollowLogs.class, m -> this)
                .onMessage(GetAllocationStats.class, this::onGetStats)
                .build();
    }

    private long now() {
        return settings.clock().millis();
    }

    private void register() {
        List<AllocationReport> reports = new ArrayList<>(allocations.size());
        allocations.forEach((id, a) -> {
            if (!a.state.terminal() || a.unheard) {
                reports.add(new AllocationReport(id, a.jobId, a.jobVersion, a.taskGroup, a.state, a.exitCode, "",
                        a.hostPorts, a.placement));
            }
        });
        scheduler.tell(new RegisterNode(info, getContext().getSelf(), reports, status(), registeredAdapter));
        registerSentMillis = now();
    }

    private NodeStatus status() {
        return new NodeStatus(info.name(), usedCpuMhz, usedMemoryMb, unfinished, List.copyOf(images),
                settings.clock().instant());
    }

    private Behavior<AgentCommand> onTick() {
        long now = now();
        if (!registered) {
            if (now - registerSentMillis >= settings.registerRetry().toMillis()) {
                register();
            }
        } else if (now >= nextHeartbeatMillis) {
            scheduler.tell(new NodeHeartbeat(status(), ackAdapter));
            nextHeartbeatMillis = now + heartbeatMillis;
        }
        return this;
    }

    private Behavior<AgentCommand> onRegistered(Registered m) {
        if (!registered) {
            counters.registered.incrementAndGet();
        }
        registered = true;
        allocations.values().forEach(a -> a.unheard = false);
        heartbeatMillis = Math.max(1, m.reply().heartbeatMillis());
        // the first heartbeat within the second half of the interval, spread by name: a fleet that registered
        // together does not then heartbeat on one tick
        long half = Math.max(1, heartbeatMillis / 2);
        nextHeartbeatMillis = now() + half + Math.floorMod(info.name().hashCode(), half);
        return this;
    }

    private Behavior<AgentCommand> onAcked(Acked m) {
        if (m.ack().heartbeatMillis() > 0) {
            heartbeatMillis = m.ack().heartbeatMillis();
        }
        if (!m.ack().known() && registered) {
            registered = false;
            counters.registered.decrementAndGet();
            register();
        }
        return this;
    }

    private Behavior<AgentCommand> onAssign(AssignAllocation a) {
        Alloc known = allocations.get(a.allocationId());
        if (known != null) {
            // a re-sent assignment is told where the allocation is
            if (a.replyTo() != null) {
                a.replyTo().tell(change(a.allocationId(), known.state, known.exitCode, "already " + known.state));
            }
            return this;
        }
        Alloc alloc = new Alloc(a);
        allocations.put(a.allocationId(), alloc);
        usedCpuMhz += alloc.cpuMhz;
        usedMemoryMb += alloc.memoryMb;
        unfinished++;
        counters.assigned.incrementAndGet();
        report(a.allocationId(), alloc, "received");
        step(a.allocationId(), alloc, AllocationState.PENDING, AllocationState.PULLING);
        return this;
    }

    /** Moves {@code alloc} on from {@code from} to {@code to}, now or after the configured delay. */
    private void step(String id, Alloc alloc, AllocationState from, AllocationState to) {
        Duration delay = settings.stepDelay();
        if (to == AllocationState.STARTING && !images.containsAll(alloc.images)) {
            delay = delay.plus(settings.pullDelay());
        }
        if (delay.isZero()) {
            advance(id, alloc, to);
        } else {
            getContext().scheduleOnce(delay, getContext().getSelf(), new Advance(id, from, to));
        }
    }

    private Behavior<AgentCommand> onAdvance(Advance m) {
        Alloc alloc = allocations.get(m.allocationId());
        if (alloc != null && alloc.state == m.from()) {
            advance(m.allocationId(), alloc, m.to());
        }
        return this;
    }

    private void advance(String id, Alloc alloc, AllocationState to) {
        alloc.state = alloc.state.checkTransition(id, to);
        switch (to) {
            case PULLING -> {
                report(id, alloc, images.containsAll(alloc.images) ? "image present" : "pulling image");
                step(id, alloc, AllocationState.PULLING, AllocationState.STARTING);
            }
            case STARTING -> {
                images.addAll(alloc.images);
                report(id, alloc, "");
                step(id, alloc, AllocationState.STARTING, AllocationState.RUNNING);
            }
            case RUNNING -> {
                counters.running.incrementAndGet();
                report(id, alloc, "");
            }
            default -> report(id, alloc, "");
        }
    }

    private Behavior<AgentCommand> onStop(StopAllocation m) {
        Alloc alloc = allocations.get(m.allocationId());
        if (alloc == null || alloc.state.terminal()) {
            if (m.replyTo() != null) {
                m.replyTo().tell(new StopAnswer(m.allocationId(), false,
                        alloc == null ? "unknown allocation " + m.allocationId() : "already " + alloc.state));
            }
            return this;
        }
        if (m.replyTo() != null) {
            m.replyTo().tell(new StopAnswer(m.allocationId(), true, ""));
        }
        if (alloc.state == AllocationState.RUNNING) {
            counters.running.decrementAndGet();
        }
        alloc.state = alloc.state.checkTransition(m.allocationId(), AllocationState.STOPPED);
        alloc.unheard = !registered;
        usedCpuMhz -= alloc.cpuMhz;
        usedMemoryMb -= alloc.memoryMb;
        unfinished--;
        report(m.allocationId(), alloc, "stopped by the scheduler");
        return this;
    }

    /** A restart shows as the real agent's does: the task ends, then starts again. */
    private Behavior<AgentCommand> onRestart(RestartAllocation m) {
        Alloc alloc = allocations.get(m.allocationId());
        String noTask = noSuchTask(m.allocationId(), m.task());
        if (alloc == null || noTask != null || alloc.state != AllocationState.RUNNING) {
            m.replyTo().tell(new StopAnswer(m.allocationId(), false, alloc == null ? "unknown allocation "
                    + m.allocationId() : noTask != null ? noTask : "not running but " + alloc.state));
            return this;
        }
        m.replyTo().tell(new StopAnswer(m.allocationId(), true, ""));
        counters.running.decrementAndGet();
        alloc.state = alloc.state.checkTransition(m.allocationId(), AllocationState.EXITED);
        alloc.exitCode = 143;
        report(m.allocationId(), alloc, "restart requested");
        alloc.exitCode = null;
        alloc.state = alloc.state.checkTransition(m.allocationId(), AllocationState.STARTING);
        report(m.allocationId(), alloc, "restarting");
        step(m.allocationId(), alloc, AllocationState.STARTING, AllocationState.RUNNING);
        return this;
    }

    private Behavior<AgentCommand> onSignal(SignalAllocation m) {
        Alloc alloc = allocations.get(m.allocationId());
        String noTask = noSuchTask(m.allocationId(), m.task());
        String refused = alloc == null ? "unknown allocation " + m.allocationId() : noTask != null ? noTask
                : alloc.state == AllocationState.RUNNING ? "" : "not running but " + alloc.state;
        m.replyTo().tell(new StopAnswer(m.allocationId(), refused.isEmpty(), refused));
        return this;
    }

    private Behavior<AgentCommand> onTailLogs(TailLogs m) {
        boolean known = allocations.containsKey(m.allocationId());
        String noTask = noSuchTask(m.allocationId(), m.task());
        m.replyTo().tell(new LogLines(m.allocationId(), "", !known ? "unknown allocation " + m.allocationId()
                : noTask != null ? noTask : ""));
        return this;
    }

    /** A hollow task never writes, so a follower of a known allocation hears nothing. */
    private Behavior<AgentCommand> onFollowLogs(FollowLogs m) {
        String noTask = noSuchTask(m.allocationId(), m.task());
        if (!allocations.containsKey(m.allocationId()) || noTask != null) {
            m.follower().tell(new LogChunk(m.allocationId(), LogStream.STDOUT, null,
                    noTask != null ? noTask : "unknown allocation " + m.allocationId()));
        }
        return this;
    }

    private Behavior<AgentCommand> onGetStats(GetAllocationStats m) {
        Alloc alloc = allocations.get(m.allocationId());
        String noTask = noSuchTask(m.allocationId(), m.task());
        String error = alloc == null ? "unknown allocation " + m.allocationId() : noTask != null ? noTask
                : alloc.state == AllocationState.RUNNING ? "" : "not running but " + alloc.state;
        m.replyTo().tell(new AllocationStats(m.allocationId(), 0, 0, 0, error.isEmpty() ? 1 : 0,
                settings.clock().instant(), error));
        return this;
    }

    /** As the real agent answers a task name the allocation has none of; null when it fits or is unknown. */
    private String noSuchTask(String allocationId, String task) {
        Alloc alloc = allocations.get(allocationId);
        return alloc == null ? null : AgentCommand.noSuchTask(allocationId, task, alloc.tasks);
    }

    private void report(String id, Alloc alloc, String detail) {
        AllocationStateChanged change = change(id, alloc.state, alloc.exitCode, detail);
        scheduler.tell(change);
        if (alloc.replyTo != null && !alloc.replyTo.equals(scheduler)) {
            alloc.replyTo.tell(change);
        }
    }

    private AllocationStateChanged change(String id, AllocationState state, Integer exitCode, String detail) {
        return new AllocationStateChanged(id, state, exitCode, detail, settings.clock().instant());
    }

    /**
     * The task's image as a real agent's store would list it: the name it is stored under and its manifest digest,
     * made up from the reference (the same reference always gives the same digest) unless the reference pins one.
     * A reference the store could not parse is kept as written: a real pull of it would fail.
     */
    private static List<String> images(Task task) {
        return IMAGES.computeIfAbsent(task.image(), image -> {
            ImageReference ref;
            try {
                ref = ImageReference.parse(image);
            } catch (InvalidReferenceException e) {
                return List.of(image);
            }
            if (ref.digest() != null) {
                return List.of(ImagePuller.storeName(ref), ref.digest().toString());
            }
            try {
                byte[] hash = MessageDigest.getInstance("SHA-256").digest(image.getBytes(StandardCharsets.UTF_8));
                return List.of(ImagePuller.storeName(ref), "sha256:" + HexFormat.of().formatHex(hash));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is part of every JVM", e);
            }
        });
    }
}
