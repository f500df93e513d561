package io.berth.scheduler.control;

import io.berth.protocol.cluster.AgentCommand;
import io.berth.protocol.cluster.AllocationReport;
import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.cluster.AllocationStateChanged;
import io.berth.protocol.cluster.AssignAllocation;
import io.berth.protocol.cluster.HeartbeatAck;
import io.berth.protocol.cluster.NodeHeartbeat;
import io.berth.protocol.cluster.NodeInfo;
import io.berth.protocol.cluster.NodeRegistered;
import io.berth.protocol.cluster.NodeStatus;
import io.berth.protocol.cluster.RegisterNode;
import io.berth.protocol.cluster.SchedulerCommand;
import io.berth.protocol.cluster.StopAllocation;
import io.berth.protocol.cluster.StopAnswer;
import io.berth.protocol.job.Task;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * An in-process agent for the scheduler's tests: it speaks the real protocol (register, heartbeat, re-register on
 * an unknown answer with every allocation it holds) and runs nothing. An assigned task goes RUNNING at once unless
 * its environment says otherwise through {@value #BEHAVIOUR}: {@code unhealthy} (RUNNING, then UNHEALTHY), {@code
 * fail} (FAILED), {@code exit0} (EXITED with code 0). It can be silenced (no heartbeats, as a hung or cut-off
 * machine), told to fail an allocation, and asked what it holds. It reports the images it is given in every
 * {@link NodeStatus} as a real agent lists its store (store names and digests), and echoes each allocation's
 * placement facts when it registers.
 */
final class FakeAgent extends AbstractBehavior<AgentCommand> {
    static final String BEHAVIOUR = "FAKE_AGENT";

    /** Stops (true) or resumes (false) heartbeating; resuming registers again at once. */
    record Silence(boolean silent) implements AgentCommand {}

    /** Reports {@code ports} (as {@link NodeStatus#hostPortsInUse()}) in use by others from now on. */
    record UsePorts(String ports) implements AgentCommand {}

    /** Fails an allocation it runs (its task crashed for good, as far as the scheduler can tell). */
    record Fail(String allocationId) implements AgentCommand {}

    /**
     * What the agent was told, in order: {@code assign <id> <task names, comma-separated>} and
     * {@code stop <id>}.
     */
    record Received(ActorRef<List<String>> replyTo) implements AgentCommand {}

    /** What the agent holds: allocation id -> state. */
    record Holdings(ActorRef<Map<String, AllocationState>> replyTo) implements AgentCommand {}

    /** Every allocation the agent holds, as its store would keep them for its next start ({@link #restarted}). */
    record Export(ActorRef<List<Alloc>> replyTo) implements AgentCommand {}

    /** An allocation the agent holds: what it was assigned, and its state now. */
    record Alloc(AssignAllocation assign, AllocationState state, Integer exitCode) {}

    private enum Tick implements AgentCommand { INSTANCE }

    private record Registered(NodeRegistered reply) implements AgentCommand {}

    private record Acked(HeartbeatAck ack) implements AgentCommand {}

    private final NodeInfo info;
    private final List<String> images;
    private final ActorRef<SchedulerCommand> scheduler;
    private final Map<String, Alloc> allocations = new HashMap<>();
    private final List<String> received = new ArrayList<>();
    private boolean silent;
    private String portsInUse = "";
    private boolean registered;
    private long heartbeatMillis = 1000;
    private long nextBeat;

    /** An agent whose store holds {@code images} (names and digests, as {@link NodeStatus#images()}). */
    static Behavior<AgentCommand> create(NodeInfo info, List<String> images, ActorRef<SchedulerCommand> scheduler) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new FakeAgent(ctx, timers, info, images,
                List.of(), scheduler)));
    }

    /**
     * An agent started again on a node that holds {@code held} (exported from the agent before it stopped): it
     * registers with them, as a real agent reports the allocations it re-adopted.
     */
    static Behavior<AgentCommand> restarted(NodeInfo info, List<Alloc> held, ActorRef<SchedulerCommand> scheduler) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new FakeAgent(ctx, timers, info, List.of(),
                held, scheduler)));
    }

    static NodeInfo node(String name, int cpuMhz, long memoryMb, Map<String, String> labels) {
        return new NodeInfo(name, "dc1", cpuMhz, memoryMb, 10_000, "6.1.0", 2, "linux", "amd64", labels);
    }

    private FakeAgent(ActorContext<AgentCommand> ctx, TimerScheduler<AgentCommand> timers, NodeInfo info,
                      List<String> images, List<Alloc> held, ActorRef<SchedulerCommand> scheduler) {
        super(ctx);
        this.info = info;
        this.images = List.copyOf(images);
        this.scheduler = scheduler;
        held.forEach(a -> allocations.put(a.assign().allocationId(), a));
        timers.startTimerWithFixedDelay(Tick.INSTANCE, Duration.ofMillis(50));
        register();
    }

    @Override
    public Receive<AgentCommand> createReceive() {
        return newReceiveBuilder()
                .onMessage(Tick.class, t -> onTick())
                .onMessage(Registered.class, this::onRegistered)
                .onMessage(Acked.class, this::onAcked)
                .onMessage(AssignAllocation.class, this::onAssign)
                .onMessage(StopAllocation.class, this::onStop)
                .onMessage(Silence.class, this::onSilence)
                .onMessage(Holdings.class, this::onHoldings)
                .onMessage(Export.class, e -> {
                    e.replyTo().tell(List.copyOf(allocations.values()));
                    return this;
                })
                .onMessage(Fail.class, this::onFail)
                .onMessage(UsePorts.class, u -> {
                    portsInUse = u.ports();
                    return this;
                })
                .onMessage(Received.class, r -> {
                    r.replyTo().tell(List.copyOf(received));
                    return this;
                })
                .build();
    }

    private void register() {
        List<AllocationReport> reports = new ArrayList<>();
        allocations.forEach((id, a) -> reports.add(new AllocationReport(id, a.assign().jobId(),
                a.assign().jobVersion(), a.assign().taskGroup(), a.state(), a.exitCode(), "", a.assign().hostPorts(), a.assign().placement())));
        scheduler.tell(new RegisterNode(info, getContext().getSelf(), reports, status(),
                getContext().messageAdapter(NodeRegistered.class, Registered::new)));
    }

    private NodeStatus status() {
        return new NodeStatus(info.name(), 0, 0, allocations.size(), images, Instant.now(), portsInUse);
    }

    private Behavior<AgentCommand> onTick() {
        long now = System.currentTimeMillis();
        if (silent) {
            return this;
        }
        if (!registered) {
            if (now >= nextBeat) {
                register();
                nextBeat = now + 500;
            }
        } else if (now >= nextBeat) {
            scheduler.tell(new NodeHeartbeat(status(), getContext().messageAdapter(HeartbeatAck.class, Acked::new)));
            nextBeat = now + heartbeatMillis;
        }
        return this;
    }

    private Behavior<AgentCommand> onRegistered(Registered r) {
        if (!silent) {
            registered = true;
            heartbeatMillis = r.reply().heartbeatMillis();
            nextBeat = System.currentTimeMillis() + heartbeatMillis / 2;
        }
        return this;
    }

    private Behavior<AgentCommand> onAcked(Acked a) {
        if (!a.ack().known() && !silent) {
            registered = false;
            register();
            nextBeat = System.currentTimeMillis() + 500;
        }
        return this;
    }

    private Behavior<AgentCommand> onAssign(AssignAllocation a) {
        received.add("assign " + a.allocationId() + " " + String.join(",", a.tasks().stream().map(Task::name)
                .toList()));
        Alloc known = allocations.get(a.allocationId());
        if (known != null) {
            report(a.allocationId(), known.state(), known.exitCode());
            return this;
        }
        String behaviour = a.tasks().get(0).env().getOrDefault(BEHAVIOUR, "");
        set(a, AllocationState.PENDING, null);
        switch (behaviour) {
            case "fail" -> set(a, AllocationState.FAILED, null);
            case "exit0" -> {
                set(a, AllocationState.RUNNING, null);
                set(a, AllocationState.EXITED, 0);
            }
            case "unhealthy" -> {
                set(a, AllocationState.RUNNING, null);
                set(a, AllocationState.UNHEALTHY, null);
            }
            default -> set(a, AllocationState.RUNNING, null);
        }
        return this;
    }

    private Behavior<AgentCommand> onStop(StopAllocation s) {
        received.add("stop " + s.allocationId());
        Alloc a = allocations.get(s.allocationId());
        if (a == null) {
            if (s.replyTo() != null) {
                s.replyTo().tell(new StopAnswer(s.allocationId(), false, "unknown allocation"));
            }
            return this;
        }
        if (s.replyTo() != null) {
            s.replyTo().tell(new StopAnswer(s.allocationId(), true, ""));
        }
        if (!a.state().terminal()) {
            set(a.assign(), AllocationState.STOPPED, null);
        }
        return this;
    }

    private void set(AssignAllocation a, AllocationState state, Integer exitCode) {
        allocations.put(a.allocationId(), new Alloc(a, state, exitCode));
        report(a.allocationId(), state, exitCode);
    }

    private void report(String id, AllocationState state, Integer exitCode) {
        if (!silent) {
            scheduler.tell(new AllocationStateChanged(id, state, exitCode, "", Instant.now()));
        }
    }

    private Behavior<AgentCommand> onSilence(Silence s) {
        silent = s.silent();
        if (!silent) {
            registered = false;
            register();
            nextBeat = System.currentTimeMillis() + 500;
        }
        return this;
    }

    private Behavior<AgentCommand> onFail(Fail f) {
        Alloc a = allocations.get(f.allocationId());
        if (a != null && !a.state().terminal()) {
            set(a.assign(), AllocationState.FAILED, null);
        }
        return this;
    }

    private Behavior<AgentCommand> onHoldings(Holdings h) {
        Map<String, AllocationState> out = new HashMap<>();
        allocations.forEach((id, a) -> out.put(id, a.state()));
        h.replyTo().tell(out);
        return this;
    }
}
