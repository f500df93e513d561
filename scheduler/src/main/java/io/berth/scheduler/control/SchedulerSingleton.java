package io.berth.scheduler.control;

import io.berth.protocol.cluster.AllocationPlacement;
import io.berth.protocol.cluster.AllocationReport;
import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.cluster.AllocationStateChanged;
import io.berth.protocol.cluster.AssignAllocation;
import io.berth.protocol.cluster.BerthEvent;
import io.berth.protocol.cluster.HeartbeatAck;
import io.berth.protocol.cluster.LeaveAck;
import io.berth.protocol.cluster.LeaveNode;
import io.berth.protocol.cluster.NodeHeartbeat;
import io.berth.protocol.cluster.NodeStatus;
import io.berth.protocol.cluster.NodeRegistered;
import io.berth.protocol.cluster.PortRanges;
import io.berth.protocol.cluster.RegisterNode;
import io.berth.protocol.cluster.SchedulerCommand;
import io.berth.protocol.cluster.StopAllocation;
import io.berth.protocol.job.Job;
import io.berth.protocol.job.JobSpecs;
import io.berth.protocol.job.JobType;
import io.berth.protocol.job.ReschedulePolicy;
import io.berth.protocol.job.Task;
import io.berth.protocol.job.TaskGroup;
import io.berth.protocol.job.UpdateStrategy;
import io.berth.scheduler.events.Events;
import io.berth.scheduler.jobs.JobRecord;
import io.berth.scheduler.jobs.JobStore;
import io.berth.scheduler.jobs.JobVersion;
import io.berth.scheduler.placement.Allocation;
import io.berth.scheduler.placement.Capacity;
import io.berth.scheduler.placement.ClusterSnapshot;
import io.berth.scheduler.placement.Evaluation;
import io.berth.scheduler.placement.Node;
import io.berth.scheduler.placement.Plan;
import io.berth.scheduler.placement.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The scheduler singleton ({@value #NAME}, on the nodes with role {@value #ROLE}): it drives what runs on the
 * agents towards the jobs in the job store, level-triggered, so that a lost message, a dead agent or its own
 * failover is healed by the next evaluation.
 *
 * <p>It hears desired state from the local {@link JobStore} (a subscription) and actual state from the agents
 * ({@link RegisterNode}, {@link NodeHeartbeat}, {@link AllocationStateChanged}, and {@link LeaveNode} from
 * one that drains for shutdown). Each change queues an evaluation of
 * the jobs it touches ({@link EvalQueue}: by priority, one per job). Evaluations run in batches, each over the
 * {@link ClusterView}'s snapshot through the pure engine ({@link Scheduler#process}), and the plan is carried out:
 * {@link AssignAllocation} and {@link StopAllocation} to the agents. Evaluations that leave allocations unplaced
 * wait, blocked with their reasons, and are retried when capacity frees up.
 *
 * <p>Nodes heartbeat at an interval that grows with the cluster (Nomad's rule: at most
 * {@link SchedulerSettings#maxHeartbeatsPerSecond} in all) and are declared down after
 * {@link SchedulerSettings#missedHeartbeats} silent intervals, when their cluster member stays unreachable for
 * {@link SchedulerSettings#unreachableGrace}, or at once when it is removed; a down node must register again, and
 * when it does, whatever was replaced meanwhile is stopped on it. A new singleton knows nothing: agents learn it
 * from their next heartbeat's answer and register again with every allocation they hold, each with the placement
 * facts this singleton gave it ({@link io.berth.protocol.cluster.AllocationPlacement}: index, canary, deployment,
 * previous allocation, reschedule times), from which the new one restores its view and the deployment in progress
 * (no deployment is persisted: its version is in the job store, its progress on the agents).
 *
 * <p>Recovery. So that nothing running is placed twice, the evaluations of jobs a predecessor may have placed wait
 * until every node the previous singletons held ready has registered again (a {@link DurableSet} of node names,
 * kept durably beside the jobs) and every agent cluster member has registered a node, for at most
 * {@link SchedulerSettings#failoverGrace} or, if longer, the heartbeat TTL of the known nodes (a node that does not
 * heartbeat within its TTL is down anyway); known nodes that did not come back by then are down and leave the set.
 * What a node that has not registered yet runs is unknown, and nothing says which jobs it holds (the set has names
 * only; the job store records no placements), so every job a predecessor may have placed waits: a scale-up or update
 * of one whose known allocations all run on nodes that are back too, since more may run on a missing node. A job
 * whose first version the job store accepted after this singleton started is evaluated at once, unless an agent or a
 * kept completion shows work of it from before: Pekko starts a singleton only after its predecessor stopped (a
 * hand-over) or its member was removed (downed; the split brain resolver stops the other side first), so no
 * predecessor ever saw such a job, and all its work is this singleton's own and in its view. The job store's
 * timestamp and this singleton's start come from different nodes' clocks: the job must be younger by
 * {@code CLOCK_SKEW} (1 s). A job purged and registered again under its id before this singleton saw the old record
 * counts as new; what the old one left on a node that has not come back is stopped as a duplicate when that node
 * registers. When the wait ends, the log says how many evaluations it held back. Batch allocations that completed are
 * kept durably beside the jobs too ({@link Completion}): agents stop reporting an ended allocation once the scheduler
 * heard of its end, and finished batch work must not run again.
 *
 * <p>Health: an allocation of a group with an update strategy counts healthy once it has been RUNNING for the
 * strategy's min_healthy_time, unhealthy when its checks fail, it fails, or its healthy_deadline passes first. A
 * {@link Deployment} follows each new version of a service or system job: rolled max_parallel at a time by the
 * reconciler, canaries promoted by hand ({@link SchedulerApi.PromoteDeployment}) or automatically; it succeeds (the
 * version is marked stable in the job store) or fails (and, with auto_revert, the job store reverts the job to its
 * last stable version).
 *
 * <p>Everything runs on the actor's thread; the API's queries are answered from the view
 * ({@link SchedulerApi}).
 */
public final class SchedulerSingleton extends AbstractBehavior<SchedulerCommand> {
    /** The singleton's name in the cluster. */
    public static final String NAME = "berth-scheduler";
    /** The cluster role of the nodes that may run it. */
    public static final String ROLE = "scheduler";

    /**
     * How long ended allocations that were stopped or replaced stay in the view (for the API, and for counting
     * reschedules within a policy's interval, which longer intervals then undercount), as Nomad's GC threshold.
     */
    private static final Duration KEEP_ENDED = Duration.ofHours(4);
    private static final Duration COLLECT_EVERY = Duration.ofMinutes(1);
    private static final Duration STATUS_REFRESH = Duration.ofSeconds(5);
    /**
     * How far apart the clocks of two scheduler nodes may be: a job counts as registered after this singleton started
     * only when the job store's stamp is later than the start by this much.
     */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(1);

    /** Agent states always worth an event, besides every change of the client status. */
    private static final Set<AllocationState> NOTEWORTHY = EnumSet.of(AllocationState.UNHEALTHY,
            AllocationState.EXITED, AllocationState.OOM_KILLED, AllocationState.FAILED, AllocationState.STOPPED);

    private enum Tick implements SchedulerCommand { INSTANCE }

    private enum ProcessQueue implements SchedulerCommand { INSTANCE }

    private record JobsUpdated(JobStore.JobsChanged changes) implements SchedulerCommand {}

    private record MemberChanged(ClusterEvent.MemberEvent event) implements SchedulerCommand {}

    private record ReachabilityChanged(ClusterEvent.ReachabilityEvent event) implements SchedulerCommand {}

    private record StoreAnswered(JobStore.RegisterReply reply) implements SchedulerCommand {}

    /** The job store's majority read of a job only agents reported; {@code failure} when it did not answer. */
    private record JobRead(String jobId, JobStore.GetReply reply, Throwable failure) implements SchedulerCommand {}

    /** A timer kept in one queue and looked at on each tick, rather than one actor timer per allocation. */
    private record Due(Instant at, Kind kind, String key, Instant stamp) {
        enum Kind { HEALTHY, HEALTHY_DEADLINE, RESCHEDULE, DRAIN_DEADLINE }
    }

    /**
     * Starts the singleton (on nodes with role {@value #ROLE}) and returns its proxy; on other nodes only the proxy
     * is made. Call once per actor system.
     *
     * @param localJobStore this node's job store; null on a node without the scheduler role
     */
    public static ActorRef<SchedulerCommand> init(ActorSystem<?> system, ActorRef<JobStore.Command> localJobStore) {
        SchedulerSettings settings = SchedulerSettings.fromConfig(system.settings().config());
        Behavior<SchedulerCommand> behavior = Behaviors.supervise(create(localJobStore, settings, Clock.systemUTC()))
                .onFailure(SupervisorStrategy.restart());
        return ClusterSingleton.get(system).init(SingletonActor.of(behavior, NAME)
                .withSettings(ClusterSingletonSettings.create(system).withRole(ROLE)));
    }

    /**
     * The singleton's behaviour alone (tests run it without the singleton machinery).
     *
     * @param jobStore the local job store; checked when the behaviour starts, so that a node without the scheduler
     *                 role, where it never starts, may pass null to {@link #init}
     */
    public static Behavior<SchedulerCommand> create(ActorRef<JobStore.Command> jobStore, SchedulerSettings settings,
                                                    Clock clock) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new SchedulerSingleton(ctx, timers,
                Objects.requireNonNull(jobStore, "the scheduler singleton needs its node's job store"), settings,
                clock)));
    }

    private final ActorRef<JobStore.Command> jobStore;
    private final SchedulerSettings settings;
    private final Clock clock;
    private final Random random;
    private final ClusterView view = new ClusterView();
    private final EvalQueue queue = new EvalQueue();
    private final PriorityQueue<Due> dues = new PriorityQueue<>(Comparator.comparing(Due::at));
    private final Set<String> deploymentsToCheck = new LinkedHashSet<>();
    private final Map<Address, Instant> unreachableSince = new HashMap<>();
    private final ActorRef<JobStore.RegisterReply> storeReplies;
    private final DurableSet knownNodes;
    /** The nodes held ready when this singleton started, which it waits for; null until read. */
    private Set<String> awaited;
    private final DurableSet batchDone;
    /** The completed batch allocations kept in {@link #batchDone}, by job, then by their encoded form. */
    private final Map<String, Map<String, Completion>> completions = new HashMap<>();
    /** Those a node has not registered with yet (it no longer reports them), by node. */
    private final Map<String, List<Completion>> toRestore = new HashMap<>();
    private final Address selfAddress;
    private final Instant startedAt;
    private Instant recoveryUntil;
    /** Evaluations of new jobs that ran while the wait for the known nodes lasted (logged when it ends). */
    private long evaluatedInRecovery;
    private boolean jobsLoaded;
    private boolean processingScheduled;
    private boolean capacityFreed;
    private Instant nextSweep;
    private Instant nextCollection;
    private long placementsTotal;
    private long stopsTotal;
    private long evaluationsTotal;
    private long deploymentSeq;
    /**
     * Whether a heartbeat brought a new image list or new host ports in use since the engine's snapshot last took
     * them in.
     */
    private boolean statusChanged;
    private Instant nextStatusRefresh;

    private SchedulerSingleton(ActorContext<SchedulerCommand> ctx, TimerScheduler<SchedulerCommand> timers,
                               ActorRef<JobStore.Command> jobStore, SchedulerSettings settings, Clock clock) {
        super(ctx);
        // named here: the logger is otherwise named after the class that first asks for it (DurableSet)
        ctx.setLoggerName(SchedulerSingleton.class);
        this.jobStore = jobStore;
        this.settings = settings;
        this.clock = clock;
        this.random = settings.seed() != 0 ? new Random(settings.seed()) : new Random();
        this.startedAt = clock.instant();
        this.recoveryUntil = startedAt.plus(settings.failoverGrace());
        this.nextSweep = startedAt;
        this.nextCollection = startedAt.plus(COLLECT_EVERY);
        this.nextStatusRefresh = startedAt;
        Cluster cluster = Cluster.get(ctx.getSystem());
        this.selfAddress = cluster.selfMember().address();
        this.storeReplies = ctx.messageAdapter(JobStore.RegisterReply.class, StoreAnswered::new);
        cluster.subscriptions().tell(Subscribe.create(
                ctx.messageAdapter(ClusterEvent.MemberEvent.class, MemberChanged::new),
                ClusterEvent.MemberEvent.class));
        cluster.subscriptions().tell(Subscribe.create(
                ctx.messageAdapter(ClusterEvent.ReachabilityEvent.class, ReachabilityChanged::new),
                ClusterEvent.ReachabilityEvent.class));
        jobStore.tell(new JobStore.Subscribe(ctx.messageAdapter(JobStore.JobsChanged.class, JobsUpdated::new)));
        this.knownNodes = new DurableSet(ctx, DurableSet.KNOWN_NODES, "known nodes");
        this.batchDone = new DurableSet(ctx, DurableSet.BATCH_DONE, "completed batch allocations");
        knownNodes.load();
        batchDone.load();
        timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.tick());
        ctx.getLog().info("scheduler singleton started on {}; evaluations of jobs registered before wait for the known "
                + "nodes to register, at least up to {}", selfAddress, settings.failoverGrace());
    }

    @Override
    public Receive<SchedulerCommand> createReceive() {
        return newReceiveBuilder()
                .onMessage(RegisterNode.class, this::onRegister)
                .onMessage(NodeHeartbeat.class, this::onHeartbeat)
                .onMessage(LeaveNode.class, this::onLeave)
                .onMessage(AllocationStateChanged.class, this::onStateChanged)
                .onMessage(JobsUpdated.class, this::onJobsUpdated)
                .onMessage(Tick.class, t -> onTick())
                .onMessage(ProcessQueue.class, p -> onProcessQueue())
                .onMessage(MemberChanged.class, this::onMemberChanged)
                .onMessage(ReachabilityChanged.class, this::onReachabilityChanged)
                .onMessage(StoreAnswered.class, this::onStoreAnswered)
                .onMessage(JobRead.class, this::onJobRead)
                .onMessage(DurableSet.Loaded.class, this::onDurableSetLoaded)
                .onMessage(DurableSet.Saved.class, saved -> {
                    saved.set().onSaved(saved);
                    return this;
                })
                .onMessage(SchedulerApi.GetNodes.class, this::onGetNodes)
                .onMessage(SchedulerApi.GetNode.class, this::onGetNode)
                .onMessage(SchedulerApi.DrainNode.class, this::onDrainNode)
                .onMessage(SchedulerApi.SetEligibility.class, this::onSetEligibility)
                .onMessage(SchedulerApi.GetAllocations.class, this::onGetAllocations)
                .onMessage(SchedulerApi.GetAllocation.class, this::onGetAllocation)
                .onMessage(SchedulerApi.PlanJob.class, this::onPlanJob)
                .onMessage(SchedulerApi.GetDeployment.class, this::onGetDeployment)
                .onMessage(SchedulerApi.PromoteDeployment.class, this::onPromoteDeployment)
                .onMessage(SchedulerApi.FailDeployment.class, this::onFailDeployment)
                .onMessage(SchedulerApi.GetEvaluations.class, this::onGetEvaluations)
                .onMessage(SchedulerApi.GetStatus.class, this::onGetStatus)
                .build();
    }

    private Instant now() {
        return clock.instant();
    }

    // ------------------------------------------------------------------------------------------------- nodes

    private Behavior<SchedulerCommand> onRegister(RegisterNode r) {
        Instant now = now();
        String name = r.node().name();
        NodeEntry n = view.nodes.get(name);
        boolean fresh = n == null;
        if (fresh) {
            n = new NodeEntry(name);
            n.info = r.node();
            view.addNode(n);
        }
        boolean wasDown = n.status == Node.Status.DOWN;
        boolean factsChanged = !r.node().equals(n.info);
        // an agent that left for shutdown is back: eligible again, unless an operator turned the node off
        boolean wasLeaving = n.leaving;
        if (wasLeaving) {
            n.leaving = false;
            view.nodesChanged();
        }
        n.info = r.node();
        n.reservedPorts = ports(name, r.node().reservedPorts(), "reserved ports");
        n.agent = r.agent();
        n.address = addressOf(r.agent());
        takeStatus(n, r.status());
        n.registeredAt = now;
        n.lastHeartbeat = now;
        view.setStatus(n, Node.Status.READY);
        knownNodes.add(name);
        if (factsChanged) {
            view.nodesChanged();
        }
        n.expiresAt = now.plus(settings.heartbeatTtl(view.readyNodes()));
        Set<String> touched = new LinkedHashSet<>();
        Set<String> reported = new HashSet<>();
        for (AllocationReport rep : r.allocations()) {
            reported.add(rep.allocationId());
            AllocEntry a = view.allocations.get(rep.allocationId());
            if (a == null) {
                a = adopt(rep, n, now);
                touched.add(a.jobId);
            } else if (!a.node.equals(name)) {
                getContext().getLog().warn("node {} reports allocation {}, which is on node {}: ignored", name,
                        a.id, a.node);
                continue;
            } else if (applyState(a, rep.state(), rep.exitCode(), rep.detail(), now)) {
                touched.add(a.jobId);
            }
            if ((a.desiredStop || a.replacedBy != null || a.status.terminal()) && !rep.state().terminal()) {
                // replaced or stopped while the node was away (or the stop was lost): stop the duplicate
                sendStop(a);
            }
        }
        touched.addAll(restoreCompletions(n, now));
        // What the agent does not report is gone, unless it was assigned after the agent made its report (an
        // agent re-sends a registration that was not answered in time, and an assignment may overtake it).
        Instant reportedAt = r.status().at().minusSeconds(1);
        for (String id : n.allocations) {
            AllocEntry a = view.allocations.get(id);
            if (!reported.contains(id) && !a.status.terminal() && !a.desiredStop && a.createdAt.isBefore(reportedAt)) {
                a.status = Allocation.Status.LOST;
                a.detail = "node " + name + " registered without it";
                a.record(a.state, a.detail, now);
                view.changed(a);
                touched.add(a.jobId);
            }
        }
        r.replyTo().tell(new NodeRegistered(name, settings.heartbeatInterval(view.readyNodes()).toMillis()));
        if (recovering()) {
            // agents learn of a new singleton at their next heartbeat, which the old one spaced by cluster size
            Instant byHeartbeats = startedAt.plus(settings.heartbeatInterval(view.nodes.size()).multipliedBy(3)
                    .dividedBy(2));
            recoveryUntil = byHeartbeats.isAfter(recoveryUntil) ? byHeartbeats : recoveryUntil;
        }
        if (fresh || wasDown || factsChanged || wasLeaving) {
            publish("Node", "NodeRegistered", name, Map.of("datacenter", r.node().datacenter(),
                    "allocations", String.valueOf(r.allocations().size())));
            capacityFreed = true;
            for (JobEntry j : view.jobs.values()) {
                if (j.lastSpec != null && j.lastSpec.type() == JobType.SYSTEM) {
                    enqueue(j, "node-update");
                }
            }
        }
        for (String job : touched) {
            enqueue(view.job(job), fresh ? "failover" : "node-update");
        }
        return this;
    }

    /** Ports an agent sent; none, with a warning, when they are not a port list. */
    private PortRanges ports(String node, String text, String what) {
        try {
            return PortRanges.parse(text);
        } catch (IllegalArgumentException e) {
            getContext().getLog().warn("node {} sent {} that are not a port list, ignored: {}", node, what,
                    e.getMessage());
            return PortRanges.NONE;
        }
    }

    /** Takes in a node's status; new images or new ports in use reach the engine at its next snapshot refresh. */
    private void takeStatus(NodeEntry n, NodeStatus status) {
        if (n.usage == null || !n.usage.images().equals(status.images())) {
            statusChanged = true;
        }
        if (n.usage == null || !n.usage.hostPortsInUse().equals(status.hostPortsInUse())) {
            n.hostPortsInUse = ports(n.name, status.hostPortsInUse(), "host ports in use");
            statusChanged = true;
        }
        n.usage = status;
    }

    /**
     * Takes over an allocation an agent reports that this singleton did not place (after a failover). The
     * placement facts the agent echoes (index, canary, deployment, previous allocation, reschedule times) are the
     * previous singleton's; an agent that has none (an allocation assigned without them) gets the group's first
     * free index.
     */
    private AllocEntry adopt(AllocationReport rep, NodeEntry n, Instant now) {
        JobEntry j = view.job(rep.jobId());
        Job spec = j.spec(rep.jobVersion());
        TaskGroup g = spec == null ? null : spec.group(rep.taskGroup());
        AllocationPlacement placed = rep.placement();
        int index = placed.known() ? placed.index() : freeIndex(j, rep.taskGroup());
        AllocEntry a = new AllocEntry(rep.allocationId(), rep.jobId(), rep.jobVersion(), rep.taskGroup(), index,
                spec == null ? Job.DEFAULT_PRIORITY : spec.priority(), n.name,
                spec == null ? null : g == null ? Capacity.ZERO : resources(g), rep.hostPorts(), placed.canary(),
                placed.deploymentId(), placed.previousAllocationId(), placed.rescheduledAt().size(),
                placed.rescheduledAt(), now);
        applyState(a, rep.state(), rep.exitCode(), rep.detail(), now);
        if (a.state == AllocationState.RUNNING && (placed.deploymentId() == null || updateOf(spec, a.group) == null)) {
            // it ran before the failover; nothing better is known. One a deployment placed is watched for its
            // min_healthy_time again instead (applyState set the timer): a roll must not count it healthy too early.
            a.healthy = true;
        }
        if (rep.state() == AllocationState.STOPPED || (rep.state().terminal() && !placed.known())) {
            // one that ended while nobody heard: history, its slot is free. A failed one whose slot is known
            // stays failed, so that its reschedule policy decides (and counts the reschedules that led to it).
            a.desiredStop = true;
        }
        view.add(a);
        j.adopted = true;
        if (j.lastSpec != null) {
            updateInPlace(j);
        }
        restoreDeployment(j);
        return a;
    }

    /** The lowest index no live allocation of the group holds. */
    private int freeIndex(JobEntry j, String group) {
        Set<Integer> taken = new HashSet<>();
        for (String id : j.allocations) {
            AllocEntry other = view.allocations.get(id);
            if (other.group.equals(group) && other.live()) {
                taken.add(other.index);
            }
        }
        int index = 0;
        while (taken.contains(index)) {
            index++;
        }
        return index;
    }

    private Behavior<SchedulerCommand> onHeartbeat(NodeHeartbeat h) {
        NodeEntry n = view.nodes.get(h.status().node());
        int ready = view.readyNodes();
        if (n == null || n.status != Node.Status.READY) {
            h.replyTo().tell(new HeartbeatAck(h.status().node(), false, settings.heartbeatInterval(ready).toMillis()));
            return this;
        }
        Instant now = now();
        n.lastHeartbeat = now;
        n.expiresAt = now.plus(settings.heartbeatTtl(ready));
        takeStatus(n, h.status());
        h.replyTo().tell(new HeartbeatAck(n.name, true, settings.heartbeatInterval(ready).toMillis()));
        return this;
    }

    /**
     * An agent drains for shutdown: the node takes nothing new, and what runs there is stopped here and placed on
     * other eligible nodes (or waits, blocked, for capacity) rather than replaced on the node that refuses it. The
     * node leaves the known nodes, as nothing will run there that a new singleton would have to wait for.
     */
    private Behavior<SchedulerCommand> onLeave(LeaveNode m) {
        NodeEntry n = view.nodes.get(m.node());
        if (n == null || n.status != Node.Status.READY) {
            m.replyTo().tell(new LeaveAck(m.node(), false));
            return this;
        }
        if (!n.leaving) {
            Instant now = now();
            n.leaving = true;
            view.nodesChanged();
            knownNodes.remove(n.name);
            getContext().getLog().info("node {} is leaving: its agent stops its allocations for shutdown; nothing new "
                    + "is placed there until it registers again", n.name);
            publish("Node", "NodeLeaving", n.name, Map.of());
            for (String id : List.copyOf(n.allocations)) {
                AllocEntry a = view.allocations.get(id);
                if (a.live()) {
                    stopAllocation(a, "node " + n.name + " is shutting down", now);
                    enqueue(view.job(a.jobId), "drain");
                }
            }
        }
        m.replyTo().tell(new LeaveAck(n.name, true));
        return this;
    }

    private void markDown(NodeEntry n, String why) {
        if (n.status == Node.Status.DOWN) {
            return;
        }
        view.setStatus(n, Node.Status.DOWN);
        knownNodes.remove(n.name);
        getContext().getLog().info("node {} is down: {}", n.name, why);
        publish("Node", "NodeDown", n.name, Map.of("reason", why));
        for (String job : jobsOn(n, false)) {
            enqueue(view.job(job), "node-update");
        }
    }

    /** The jobs with allocations on the node that still hold their slot (or, with {@code all}, any). */
    private Set<String> jobsOn(NodeEntry n, boolean all) {
        Set<String> jobs = new LinkedHashSet<>();
        for (String id : n.allocations) {
            AllocEntry a = view.allocations.get(id);
            if (all || a.live()) {
                jobs.add(a.jobId);
            }
        }
        return jobs;
    }

    private Address addressOf(ActorRef<?> ref) {
        Address a = ref.path().address();
        return a.hasGlobalScope() ? a : selfAddress;
    }

    private Behavior<SchedulerCommand> onMemberChanged(MemberChanged m) {
        if (m.event() instanceof ClusterEvent.MemberRemoved removed) {
            unreachableSince.remove(removed.member().address());
            // A member that was downed (crashed, cut off) takes its nodes down at once. One that left on purpose
            // is an agent being restarted (an upgrade) whose containers keep running for live restore: its nodes
            // go down only if their heartbeats stop for the TTL, so one back in time loses nothing.
            if (removed.previousStatus() != MemberStatus.exiting()) {
                downNodesAt(removed.member().address(), "its cluster member was removed");
            }
        } else if (recovering()) {
            checkRecovered();
        }
        return this;
    }

    /**
     * An unreachable member may be a long GC pause or a short network blip: its nodes go down only if it stays
     * unreachable for {@link SchedulerSettings#unreachableGrace} (checked each second).
     */
    private Behavior<SchedulerCommand> onReachabilityChanged(ReachabilityChanged m) {
        if (m.event() instanceof ClusterEvent.UnreachableMember u) {
            unreachableSince.putIfAbsent(u.member().address(), now());
        } else if (m.event() instanceof ClusterEvent.ReachableMember r) {
            unreachableSince.remove(r.member().address());
        }
        return this;
    }

    private void downNodesAt(Address address, String why) {
        for (NodeEntry n : List.copyOf(view.nodes.values())) {
            if (address.equals(n.address)) {
                markDown(n, why);
            }
        }
    }

    // ------------------------------------------------------------------------------------------- allocations

    private Behavior<SchedulerCommand> onStateChanged(AllocationStateChanged c) {
        AllocEntry a = view.allocations.get(c.allocationId());
        if (a == null) {
            return this; // not ours to know yet: the agent reports it again when it registers
        }
        Allocation.Status before = a.status;
        Boolean healthyBefore = a.healthy;
        if (!applyState(a, c.state(), c.exitCode(), c.detail(), now())) {
            return this;
        }
        if (a.status != before || NOTEWORTHY.contains(c.state())) {
            // not every step of a start (PULLING, STARTING): at scale they would be most of the event stream;
            // the allocation's own history keeps them
            publish("Allocation", "AllocationStateChanged", a.id, Map.of("job", a.jobId, "name", a.name(),
                    "node", a.node, "state", c.state().name().toLowerCase(), "detail", c.detail()));
        }
        if (a.desiredStop || a.replacedBy != null) {
            if (c.state() == AllocationState.RUNNING) {
                sendStop(a); // the stop was lost, or it raced the start
            }
            return this;
        }
        if (a.status != before || !Objects.equals(healthyBefore, a.healthy)) {
            view.changed(a);
        }
        JobEntry j = view.job(a.jobId);
        if (a.status == Allocation.Status.COMPLETE && before != Allocation.Status.COMPLETE) {
            sendStop(a); // the agent would restart an exited task; a batch task that succeeded is done
        }
        if (!before.terminal() && a.status.terminal()) {
            capacityFreed = true;
            enqueue(j, "alloc-update");
        }
        if (!Objects.equals(healthyBefore, a.healthy)) {
            healthChanged(j, a);
        }
        return this;
    }

    /**
     * Applies an agent's report to an allocation; false when it says nothing new. The engine's status only leaves a
     * terminal state never (a report after LOST or FAILED is history, not a resurrection).
     */
    private boolean applyState(AllocEntry a, AllocationState state, Integer exitCode, String detail, Instant at) {
        if (a.state == state && Objects.equals(a.exitCode, exitCode) && !a.events.isEmpty()
                && a.events.peekLast().state() == state) {
            return false;
        }
        a.state = state;
        a.exitCode = exitCode;
        a.detail = detail;
        a.record(state, detail, at);
        Job spec = view.job(a.jobId).spec(a.jobVersion);
        boolean batch = spec != null && spec.type() == JobType.BATCH;
        Allocation.Status next = switch (state) {
            case PENDING, PULLING, STARTING -> Allocation.Status.PENDING;
            case RUNNING, UNHEALTHY -> Allocation.Status.RUNNING;
            case EXITED -> batch && Integer.valueOf(0).equals(exitCode) ? Allocation.Status.COMPLETE
                    : Allocation.Status.PENDING;
            case OOM_KILLED -> Allocation.Status.PENDING;
            case FAILED -> Allocation.Status.FAILED;
            case STOPPED -> a.desiredStop ? Allocation.Status.COMPLETE : Allocation.Status.LOST;
        };
        if (!a.status.terminal()) {
            a.status = next;
            if (next == Allocation.Status.COMPLETE && state == AllocationState.EXITED) {
                recordCompletion(a); // batch work done, which its agent stops reporting once this singleton heard
            }
        }
        UpdateStrategy update = updateOf(spec, a.group);
        if (state == AllocationState.RUNNING) {
            a.runningSince = at;
            if (update != null && a.healthy == null) {
                dues.add(new Due(at.plus(update.minHealthyTime()), Due.Kind.HEALTHY, a.id, at));
            }
        } else if (state == AllocationState.UNHEALTHY && !Boolean.TRUE.equals(a.healthy)) {
            a.healthy = false;
        }
        if (a.status == Allocation.Status.FAILED) {
            if (a.failedAt == null) {
                a.failedAt = at;
                a.reschedulesInInterval = reschedulesWithin(a, spec, at);
            }
            if (update != null && a.healthy == null) {
                a.healthy = false;
            }
        }
        return true;
    }

    /**
     * How many of the reschedules that led to {@code a} happened within its policy's interval before {@code at}
     * (Nomad's rule). Their times travel with the allocation, through the agent, so a new singleton counts them too.
     */
    private static int reschedulesWithin(AllocEntry a, Job spec, Instant at) {
        TaskGroup g = spec == null ? null : spec.group(a.group);
        ReschedulePolicy policy = g == null ? null : spec.rescheduleFor(g);
        if (policy == null || policy.unlimited() || policy.interval().isZero()) {
            return a.rescheduledAt.size();
        }
        Instant since = at.minus(policy.interval());
        int n = 0;
        for (Instant t : a.rescheduledAt) {
            if (!t.isBefore(since)) {
                n++;
            }
        }
        return n;
    }

    private static UpdateStrategy updateOf(Job spec, String group) {
        TaskGroup g = spec == null ? null : spec.group(group);
        return g == null ? null : spec.updateFor(g);
    }

    private static Capacity resources(TaskGroup g) {
        int cpu = 0, mem = 0, disk = 0;
        for (Task t : g.tasks()) {
            cpu += t.resources().cpuMhz();
            mem += t.resources().memoryMb();
            disk += t.resources().diskMb();
        }
        return new Capacity(cpu, mem, disk);
    }

    private void sendStop(AllocEntry a) {
        NodeEntry n = view.nodes.get(a.node);
        if (n != null && n.agent != null) {
            n.agent.tell(new StopAllocation(a.id, null));
        }
    }

    private void stopAllocation(AllocEntry a, String reason, Instant now) {
        if (a.desiredStop) {
            return;
        }
        a.desiredStop = true;
        NodeEntry n = view.nodes.get(a.node);
        if (n != null && n.status == Node.Status.DOWN && !a.status.terminal()) {
            a.status = Allocation.Status.LOST;
        }
        a.detail = reason;
        a.record(a.state, reason, now);
        view.changed(a);
        sendStop(a);
        stopsTotal++;
        capacityFreed = true;
        publish("Allocation", "AllocationStopped", a.id, Map.of("job", a.jobId, "name", a.name(), "node", a.node,
                "reason", reason));
    }

    // ------------------------------------------------------------------------------------------------- jobs

    private void readFromMajority(JobEntry j) {
        if (j.majorityAsked) {
            return;
        }
        j.majorityAsked = true;
        Duration timeout = getContext().getSystem().settings().config().getDuration("berth.jobs.read-timeout")
                .multipliedBy(2);
        getContext().ask(JobStore.GetReply.class, jobStore, timeout, replyTo -> new JobStore.Get(j.id, replyTo),
                (reply, failure) -> new JobRead(j.id, reply, failure));
    }

    /**
     * A job only agents reported: the majority's record is taken in as if the job store's subscription had brought
     * it; without one, its allocations are stopped (a job store with no majority answers this node's copy).
     */
    private Behavior<SchedulerCommand> onJobRead(JobRead r) {
        JobEntry j = view.jobs.get(r.jobId());
        if (j == null) {
            return this;
        }
        j.majorityAsked = false;
        if (j.lastSpec != null) {
            return this; // the subscription brought it meanwhile
        }
        if (r.failure() != null) {
            getContext().getLog().warn("job {}: the job store did not answer a read ({}); asking again", j.id,
                    r.failure().getMessage());
            enqueue(j, "failover");
        } else if (r.reply().record() != null) {
            getContext().getLog().info("job {}: agents run it and this node's copy of the job store lacked it; a "
                    + "majority holds version {}", j.id, r.reply().record().latest().version());
            onJobsUpdated(new JobsUpdated(new JobStore.JobsChanged(List.of(r.reply().record()), List.of())));
        } else {
            j.absent = true;
            enqueue(j, "job-deregister");
        }
        return this;
    }

    private Behavior<SchedulerCommand> onJobsUpdated(JobsUpdated u) {
        Instant now = now();
        for (JobRecord rec : u.changes().changed()) {
            JobEntry j = view.job(rec.id());
            boolean first = j.lastSpec == null;
            boolean wasWanted = j.wanted();
            long before = j.lastVersion;
            j.record = rec;
            Instant firstSubmitted = rec.versions().get(0).submittedAt();
            if (j.firstSubmittedAt == null || firstSubmitted.isBefore(j.firstSubmittedAt)) {
                j.firstSubmittedAt = firstSubmitted;
            }
            j.lastSpec = rec.latest().job();
            j.lastVersion = rec.latest().version();
            pruneCompletions(j);
            for (String id : j.allocations) {
                AllocEntry a = view.allocations.get(id);
                if (a.resources == null) {
                    TaskGroup g = j.spec(a.jobVersion).group(a.group);
                    a.resources = g == null ? Capacity.ZERO : resources(g);
                    view.changed(a);
                }
            }
            if (first || before != j.lastVersion || wasWanted != j.wanted()) {
                updateInPlace(j);
                startDeployment(j, rec.latest(), first, now);
                enqueue(j, j.wanted() ? "job-register" : "job-deregister");
            }
        }
        for (String id : u.changes().purged()) {
            JobEntry j = view.jobs.get(id);
            if (j != null) {
                j.record = null;
                pruneCompletions(j);
                cancelDeployment(j, "the job was purged", now);
                enqueue(j, "job-deregister");
            }
        }
        if (!jobsLoaded) {
            jobsLoaded = true;
            List.copyOf(completions.keySet()).forEach(id -> pruneCompletions(view.job(id)));
            for (JobEntry j : view.jobs.values()) {
                enqueue(j, "failover"); // including jobs only agents still know of: they are stopped
            }
        }
        return this;
    }

    /**
     * Moves allocations whose group did not change in a way that matters to them (tasks, constraints, datacenters)
     * to the job's newest version, as Nomad's in-place updates do: a new count alone replaces nothing.
     */
    private void updateInPlace(JobEntry j) {
        Job latest = j.lastSpec;
        for (String id : j.allocations) {
            AllocEntry a = view.allocations.get(id);
            if (a.jobVersion == j.lastVersion || !a.live()) {
                continue;
            }
            Job old = j.spec(a.jobVersion);
            TaskGroup was = old == null ? null : old.group(a.group);
            TaskGroup now = latest.group(a.group);
            if (was != null && now != null && was.tasks().equals(now.tasks())
                    && was.constraints().equals(now.constraints()) && old.constraints().equals(latest.constraints())
                    && old.datacenters().equals(latest.datacenters())) {
                a.jobVersion = j.lastVersion;
                view.changed(a);
            }
        }
    }

    private void enqueue(JobEntry j, String trigger) {
        int priority = j.lastSpec == null ? Job.DEFAULT_PRIORITY : j.lastSpec.priority();
        queue.enqueue(j.id, priority, trigger, now());
        scheduleProcessing();
    }

    private void scheduleProcessing() {
        if (!processingScheduled && mayEvaluate()) {
            processingScheduled = true;
            getContext().getSelf().tell(ProcessQueue.INSTANCE);
        }
    }

    private boolean recovering() {
        return recoveryUntil != null;
    }

    /**
     * Evaluations run once the jobs and the durable sets are loaded: of every job once the nodes had their chance to
     * register again, and of those {@link #cannotHaveUnseenWork} before.
     */
    private boolean mayEvaluate() {
        if (recovering() && durableSetsLoaded() && !now().isBefore(recoveryUntil)) {
            endRecovery("the wait for nodes to register is over");
        }
        return jobsLoaded && durableSetsLoaded();
    }

    /**
     * Whether every allocation the job may have is in the view while nodes may still be missing: its first version
     * was accepted after this singleton started (no predecessor saw it) and no work of it from before was reported
     * or restored. A job id no longer tracked has nothing to evaluate.
     */
    private boolean cannotHaveUnseenWork(String jobId) {
        JobEntry j = view.jobs.get(jobId);
        return j == null || (j.firstSubmittedAt != null && j.firstSubmittedAt.isAfter(startedAt.plus(CLOCK_SKEW))
                && !j.adopted && !completions.containsKey(jobId));
    }

    /** Both durable sets are read: the wait for the nodes may end. */
    private boolean durableSetsLoaded() {
        return awaited != null && batchDone.loaded();
    }

    private Behavior<SchedulerCommand> onDurableSetLoaded(DurableSet.Loaded loaded) {
        Set<String> all = loaded.set().onLoaded(loaded);
        if (all == null) {
            return this;
        }
        if (loaded.set() == knownNodes) {
            knownNodesLoaded(all);
        } else {
            batchDoneLoaded(all);
        }
        checkRecovered();
        scheduleProcessing();
        return this;
    }

    /**
     * The nodes held ready before this singleton started are known: it waits for them (as long as their heartbeat
     * TTL, when that is longer than the failover grace: a node is not down before it) before it evaluates.
     */
    private void knownNodesLoaded(Set<String> known) {
        awaited = known;
        if (recovering() && !known.isEmpty()) {
            Instant byTtl = startedAt.plus(settings.heartbeatTtl(known.size()));
            recoveryUntil = byTtl.isAfter(recoveryUntil) ? byTtl : recoveryUntil;
        }
        getContext().getLog().info("{} nodes were ready before this singleton started; it waits for them until {}",
                known.size(), recoveryUntil);
    }

    /**
     * The batch allocations that completed before this singleton started: each is restored on its node when the node
     * registers (at once for nodes already registered), so that its slot stays done.
     */
    private void batchDoneLoaded(Set<String> encoded) {
        for (String s : encoded) {
            Completion c = Completion.decode(s);
            if (c == null) {
                getContext().getLog().warn("a completed batch allocation kept as '{}' is not one: forgotten", s);
                batchDone.remove(s);
                continue;
            }
            completions.computeIfAbsent(c.jobId(), id -> new HashMap<>()).put(s, c);
            toRestore.computeIfAbsent(c.node(), node -> new ArrayList<>()).add(c);
        }
        if (jobsLoaded) {
            List.copyOf(completions.keySet()).forEach(id -> pruneCompletions(view.job(id)));
        }
        Instant now = now();
        for (NodeEntry n : List.copyOf(view.nodes.values())) {
            for (String job : restoreCompletions(n, now)) {
                enqueue(view.job(job), "failover");
            }
        }
    }

    /**
     * Puts back the completed batch allocations of node {@code n} that its agent no longer reports (it forgets an
     * ended allocation once the scheduler heard of its end); returns their jobs.
     */
    private Set<String> restoreCompletions(NodeEntry n, Instant now) {
        List<Completion> done = toRestore.remove(n.name);
        Set<String> jobs = new LinkedHashSet<>();
        if (done == null) {
            return jobs;
        }
        for (Completion c : done) {
            Map<String, Completion> ofJob = completions.get(c.jobId());
            if (view.allocations.containsKey(c.allocationId()) || ofJob == null
                    || !ofJob.containsKey(c.encoded())) {
                continue; // reported by the agent after all, or pruned
            }
            JobEntry j = view.job(c.jobId());
            Job spec = j.spec(c.jobVersion());
            TaskGroup g = spec == null ? null : spec.group(c.group());
            AllocEntry a = new AllocEntry(c.allocationId(), c.jobId(), c.jobVersion(), c.group(), c.index(),
                    spec == null ? Job.DEFAULT_PRIORITY : spec.priority(), n.name,
                    spec == null ? null : g == null ? Capacity.ZERO : resources(g), Map.of(), false, null, null, 0,
                    List.of(), now);
            a.state = AllocationState.EXITED;
            a.exitCode = 0;
            a.status = Allocation.Status.COMPLETE;
            a.record(AllocationState.EXITED, "completed before this scheduler singleton started", now);
            view.add(a);
            j.adopted = true;
            jobs.add(c.jobId());
        }
        return jobs;
    }

    /** Keeps a batch allocation's completion for the singletons after this one. */
    private void recordCompletion(AllocEntry a) {
        Completion c = Completion.of(a);
        String s = c.encoded();
        completions.computeIfAbsent(a.jobId, id -> new HashMap<>()).put(s, c);
        batchDone.add(s);
    }

    /**
     * Forgets the completions of a job that are not of its newest version (the reconciler counts only those) or of a
     * job that is gone from the job store.
     */
    private void pruneCompletions(JobEntry j) {
        Map<String, Completion> ofJob = completions.get(j.id);
        if (ofJob == null) {
            return;
        }
        boolean purged = jobsLoaded && j.record == null;
        ofJob.values().removeIf(c -> {
            boolean stale = purged || (j.record != null && c.jobVersion() != j.lastVersion);
            if (stale) {
                batchDone.remove(c.encoded());
            }
            return stale;
        });
        if (ofJob.isEmpty()) {
            completions.remove(j.id);
        }
    }

    /**
     * Ends the wait early once every known node and every agent member of the cluster has registered (a hollow JVM or
     * a real one may hold thousands of nodes, which register one by one as their heartbeats learn of the new
     * singleton). Every allocation a node holds comes with its registration, so by then nothing running is unheard
     * of, save on nodes that were down (whose allocations were placed elsewhere already).
     */
    private void checkRecovered() {
        if (!jobsLoaded || !durableSetsLoaded()) {
            return;
        }
        for (String name : awaited) {
            if (!view.nodes.containsKey(name)) {
                return;
            }
        }
        Set<Address> registered = new HashSet<>();
        for (NodeEntry n : view.nodes.values()) {
            if (n.status == Node.Status.READY) {
                registered.add(n.address);
            }
        }
        for (Member m : Cluster.get(getContext().getSystem()).state().getMembers()) {
            if (m.status() == MemberStatus.up() && m.hasRole("agent") && !registered.contains(m.address())) {
                return;
            }
        }
        endRecovery("every known node and agent member registered");
    }

    /** Known nodes still missing are down: they leave the set, and their allocations are placed elsewhere. */
    private void endRecovery(String why) {
        recoveryUntil = null;
        int missing = 0;
        for (String name : awaited) {
            if (!view.nodes.containsKey(name)) {
                missing++;
                knownNodes.remove(name);
                getContext().getLog().warn("node {} was ready before this singleton started and did not register "
                        + "again in time: down", name);
                publish("Node", "NodeDown", name, Map.of("reason", "it did not register again with the new "
                        + "scheduler singleton in time"));
            }
        }
        int held = 0;
        for (EvalQueue.Pending p : queue.pending()) {
            held += cannotHaveUnseenWork(p.jobId()) ? 0 : 1;
        }
        getContext().getLog().info("scheduler singleton evaluates every job from now on ({}): {} nodes, {} "
                + "allocations; {} evaluations were held back until now, of jobs registered before it started, which "
                + "may have had work on known nodes that had not registered again ({} of {} had not); {} evaluations "
                + "of jobs registered since ran during the wait", why, view.nodes.size(), view.allocations.size(),
                held, missing, awaited.size(), evaluatedInRecovery);
    }

    // ------------------------------------------------------------------------------------------- evaluations

    private Behavior<SchedulerCommand> onProcessQueue() {
        processingScheduled = false;
        if (!mayEvaluate()) {
            return this;
        }
        boolean recovering = recovering();
        Predicate<String> mayRun = recovering ? this::cannotHaveUnseenWork : jobId -> true;
        long deadline = System.nanoTime() + settings.batchTime().toNanos();
        while (System.nanoTime() < deadline) {
            EvalQueue.Pending p = queue.poll(mayRun);
            if (p == null) {
                return this; // the rest, if any, are held until the wait for the known nodes ends
            }
            evaluatedInRecovery += recovering ? 1 : 0;
            evaluate(p);
        }
        scheduleProcessing();
        return this;
    }

    private void evaluate(EvalQueue.Pending p) {
        JobEntry j = view.jobs.get(p.jobId());
        if (j == null) {
            return;
        }
        if (j.lastSpec == null && !j.absent) {
            // Only agents report it. This node's copy of the job store may lag (the node was down, or lost its disk,
            // and gossip has not brought every job yet): a majority decides before what runs is stopped.
            readFromMajority(j);
            return;
        }
        Instant now = now();
        Evaluation ev = evaluationOf(j, p.id(), j.specToRun(), j.lastVersion, now, true);
        Plan plan = new Scheduler(view.snapshot(), random).process(ev);
        evaluationsTotal++;
        commit(j, plan, now);
        List<SchedulerApi.PlacementFailure> failures = failures(plan);
        String status;
        if (failures.isEmpty()) {
            queue.unblock(j.id);
            status = "complete";
        } else {
            status = "blocked";
            EvalQueue.Blocked b = new EvalQueue.Blocked(p.id(), j.id, p.priority(), failures, plan.explain(), now);
            if (queue.block(b)) {
                getContext().getLog().info("evaluation of {} blocked:\n{}", j.id, plan.explain());
                publish("Evaluation", "EvaluationBlocked", j.id, Map.of("evaluation", p.id(),
                        "explanation", plan.explain()));
            }
        }
        queue.finished(new SchedulerApi.EvaluationView(p.id(), j.id, p.priority(), p.trigger(), status,
                plan.placements().size(), plan.stops().size() + plan.evictions().size(), failures, plan.explain(),
                p.createdAt(), now));
        checkDeployment(j, now);
        if (j.purged() && j.allocations.stream().noneMatch(id -> view.allocations.get(id).live())) {
            forgetJob(j);
        }
    }

    /**
     * The engine's evaluation of a job: with {@code schedule}, failed allocations whose reschedule delay is not
     * over wait, and a timer re-evaluates the job when the first is due.
     */
    private Evaluation evaluationOf(JobEntry j, String id, Job spec, long version, Instant now, boolean schedule) {
        Set<String> delayed = new HashSet<>();
        Instant firstDue = null;
        for (String aid : j.allocations) {
            AllocEntry a = view.allocations.get(aid);
            if (a.status != Allocation.Status.FAILED || a.desiredStop || a.replacedBy != null || a.failedAt == null) {
                continue;
            }
            TaskGroup g = spec.group(a.group);
            if (g == null) {
                continue;
            }
            ReschedulePolicy policy = spec.rescheduleFor(g);
            if (!policy.unlimited() && a.reschedulesInInterval >= policy.attempts()) {
                continue;
            }
            Instant due = a.failedAt.plus(policy.delayBefore(a.reschedulesInInterval + 1));
            if (due.isAfter(now)) {
                delayed.add(a.id);
                firstDue = firstDue == null || due.isBefore(firstDue) ? due : firstDue;
            }
        }
        if (schedule && firstDue != null) {
            dues.add(new Due(firstDue, Due.Kind.RESCHEDULE, j.id, firstDue));
        }
        Deployment d = j.deployment;
        boolean promoted = d != null && d.jobVersion == version && d.promoted;
        return new Evaluation(id, spec, version, Set.of(), promoted, delayed);
    }

    private void commit(JobEntry j, Plan plan, Instant now) {
        for (Plan.Stop s : plan.stops()) {
            AllocEntry a = view.allocations.get(s.allocationId());
            if (a != null) {
                stopAllocation(a, s.reason(), now);
            }
        }
        for (Plan.Stop s : plan.evictions()) {
            AllocEntry a = view.allocations.get(s.allocationId());
            if (a != null) {
                stopAllocation(a, s.reason(), now);
                enqueue(view.job(a.jobId), "preemption");
            }
        }
        for (Plan.Placement p : plan.placements()) {
            place(j, p, now);
        }
    }

    private void place(JobEntry j, Plan.Placement p, Instant now) {
        TaskGroup g = j.lastSpec.group(p.group());
        Deployment d = j.deployment;
        boolean deployed = d != null && d.status.active() && d.jobVersion == p.jobVersion();
        if (deployed) {
            d.restorable = false; // its id is in use now
        }
        AllocEntry previous = p.replaces() == null ? null : view.allocations.get(p.replaces());
        AllocEntry a = new AllocEntry(p.allocationId(), p.jobId(), p.jobVersion(), p.group(), p.index(), p.priority(),
                p.nodeId(), p.resources(), p.ports(), p.canary(), deployed ? d.id : null, p.replaces(),
                p.rescheduleCount(), rescheduleHistory(previous, p.rescheduleCount(), now), now);
        a.record(AllocationState.PENDING, "placed on " + p.nodeId(), now);
        view.add(a);
        if (previous != null) {
            previous.replacedBy = a.id;
            view.changed(previous);
        }
        NodeEntry n = view.nodes.get(p.nodeId());
        // a group's tasks share the allocation; the agent keeps the placement facts for the next singleton
        n.agent.tell(new AssignAllocation(a.id, a.jobId, a.jobVersion, j.lastSpec.type(), a.group, g.tasks(), a.ports, a.placement(),
                null));
        placementsTotal++;
        UpdateStrategy update = j.lastSpec.updateFor(g);
        if (d != null && d.status.active() && d.jobVersion == a.jobVersion && update != null) {
            dues.add(new Due(now.plus(update.healthyDeadline()), Due.Kind.HEALTHY_DEADLINE, a.id, now));
        }
        publish("Allocation", "AllocationPlaced", a.id, Map.of("job", a.jobId, "name", a.name(), "node", a.node,
                "version", String.valueOf(a.jobVersion), "replaces", p.replaces() == null ? "" : p.replaces()));
    }

    /**
     * The reschedule times of an allocation that replaces {@code previous}: a failed one's and now (this is a
     * reschedule); a lost or migrated one's as they were; none when the engine started the count again (an update).
     */
    private static List<Instant> rescheduleHistory(AllocEntry previous, int rescheduleCount, Instant now) {
        if (previous == null || rescheduleCount == 0) {
            return List.of();
        }
        if (previous.status != Allocation.Status.FAILED) {
            return previous.rescheduledAt;
        }
        List<Instant> times = new ArrayList<>(previous.rescheduledAt);
        times.add(now);
        return times;
    }

    private static List<SchedulerApi.PlacementFailure> failures(Plan plan) {
        List<SchedulerApi.PlacementFailure> out = new ArrayList<>();
        for (Plan.Failure f : plan.failures()) {
            out.add(new SchedulerApi.PlacementFailure(f.group(), f.unplaced(), f.nodesEvaluated(), f.filtered(),
                    f.exhausted()));
        }
        return out;
    }

    private void forgetJob(JobEntry j) {
        for (String id : List.copyOf(j.allocations)) {
            view.remove(view.allocations.get(id));
        }
        view.jobs.remove(j.id);
        queue.unblock(j.id);
    }

    // ------------------------------------------------------------------------------------------- deployments

    /**
     * Starts the deployment of a job's new version. With {@code loaded} (the first this singleton hears of the job,
     * as after a failover) the version may be one a previous singleton was rolling out: the deployment takes that
     * one's id and promotion from the allocations the agents report ({@link #restoreDeployment}).
     */
    private void startDeployment(JobEntry j, JobVersion v, boolean loaded, Instant now) {
        cancelDeployment(j, "superseded by version " + v.version(), now);
        Job spec = v.job();
        if (!j.wanted() || spec.type() == JobType.BATCH || v.stable()) {
            return;
        }
        // unique across singletons: a new one must not reuse an id its predecessor gave out
        Deployment d = new Deployment("deploy-" + j.id + "-v" + v.version() + "-"
                + Long.toString(startedAt.toEpochMilli(), 36) + "-" + (++deploymentSeq), j.id, v.version(), now);
        d.restorable = loaded;
        for (TaskGroup g : spec.groups()) {
            UpdateStrategy u = spec.updateFor(g);
            if (u != null) {
                d.groups.put(g.name(), new Deployment.Group(g.name(), g.count(), u.canary(), u.autoPromote(),
                        u.autoRevert()));
            }
        }
        j.deployment = d;
        restoreDeployment(j);
        publish("Deployment", "DeploymentStarted", j.id, Map.of("deployment", d.id,
                "version", String.valueOf(v.version())));
    }

    /**
     * Takes over a deployment a previous singleton was running, from the allocations agents report: its id, and
     * whether it was promoted (an allocation it placed that is not a canary, in a deployment with canaries, is
     * placed only after the promotion). Canary flags and health come with the allocations themselves.
     */
    private void restoreDeployment(JobEntry j) {
        Deployment d = j.deployment;
        if (d == null || !d.restorable || !d.status.active()) {
            return;
        }
        for (String id : j.allocations) {
            AllocEntry a = view.allocations.get(id);
            if (a.assignedVersion != d.jobVersion || a.deploymentId == null) {
                continue;
            }
            d.id = a.deploymentId;
            if (!a.canary && a.live() && d.hasCanaries()) {
                d.promoted = true;
            }
        }
    }

    private void cancelDeployment(JobEntry j, String why, Instant now) {
        if (j.deployment != null && j.deployment.status.active()) {
            j.deployment.to(Deployment.Status.CANCELLED, why, now);
        }
    }

    private void healthChanged(JobEntry j, AllocEntry a) {
        Deployment d = j.deployment;
        if (d != null && d.status.active()) {
            if (Boolean.TRUE.equals(a.healthy)) {
                enqueue(j, "deployment"); // the roll goes on: the next max_parallel, or promotion
            }
            deploymentsToCheck.add(j.id); // once per tick, not once per allocation: a job may have thousands
        }
    }

    /** Brings a job's running deployment up to date with its allocations: progress, failure, success. */
    private void checkDeployment(JobEntry j, Instant now) {
        Deployment d = j.deployment;
        if (d == null || !d.status.active() || d.jobVersion != j.lastVersion || !j.wanted()) {
            return;
        }
        boolean outdated = false;
        AllocEntry unhealthy = null;
        Map<String, Deployment.Group> groups = d.groups;
        for (Deployment.Group g : groups.values()) {
            g.placed = g.healthy = g.unhealthy = 0;
            g.canaries.clear();
            g.requireProgressBy = null;
        }
        Job spec = j.lastSpec;
        for (String id : j.allocations) {
            AllocEntry a = view.allocations.get(id);
            Deployment.Group g = groups.get(a.group);
            if (a.jobVersion != d.jobVersion) {
                outdated |= a.live();
                continue;
            }
            if (g == null || a.desiredStop) {
                continue;
            }
            if (Boolean.FALSE.equals(a.healthy)) {
                g.unhealthy++;
                unhealthy = unhealthy == null ? a : unhealthy;
            }
            if (!a.live()) {
                continue;
            }
            g.placed++;
            if (a.canary) {
                g.canaries.add(a.id);
            }
            if (Boolean.TRUE.equals(a.healthy)) {
                g.healthy++;
            } else if (a.healthy == null) {
                Instant by = a.createdAt.plus(updateOf(spec, a.group).healthyDeadline());
                g.requireProgressBy = g.requireProgressBy == null || by.isAfter(g.requireProgressBy) ? by
                        : g.requireProgressBy;
            }
        }
        d.modifiedAt = now;
        if (unhealthy != null) {
            failDeployment(j, d, "allocation " + unhealthy.name() + " (" + unhealthy.id + ") is unhealthy"
                    + (unhealthy.detail.isEmpty() ? "" : ": " + unhealthy.detail), now);
            return;
        }
        boolean done = !outdated;
        boolean canariesWait = false;
        for (Deployment.Group g : groups.values()) {
            boolean system = spec.type() == JobType.SYSTEM;
            done &= system ? g.healthy == g.placed : g.healthy >= g.desiredTotal;
            if (g.desiredCanaries > 0 && !d.promoted && !g.autoPromote && outdated
                    && g.canaries.size() >= g.desiredCanaries && healthyCount(g.canaries) >= g.desiredCanaries) {
                canariesWait = true;
            }
        }
        if (done) {
            d.to(Deployment.Status.SUCCESSFUL, "every allocation of version " + d.jobVersion + " is healthy", now);
            jobStore.tell(new JobStore.MarkStable(j.id, d.jobVersion));
            publish("Deployment", "DeploymentSucceeded", j.id, Map.of("deployment", d.id,
                    "version", String.valueOf(d.jobVersion)));
        } else if (canariesWait && d.status == Deployment.Status.RUNNING) {
            d.status = Deployment.Status.AWAITING_PROMOTION;
            d.description = "the canaries are healthy: promote the deployment to roll out the rest";
        }
    }

    private int healthyCount(List<String> ids) {
        int n = 0;
        for (String id : ids) {
            if (Boolean.TRUE.equals(view.allocations.get(id).healthy)) {
                n++;
            }
        }
        return n;
    }

    private void failDeployment(JobEntry j, Deployment d, String why, Instant now) {
        d.to(Deployment.Status.FAILED, why, now);
        getContext().getLog().info("deployment of {} version {} failed: {}", j.id, d.jobVersion, why);
        publish("Deployment", "DeploymentFailed", j.id, Map.of("deployment", d.id,
                "version", String.valueOf(d.jobVersion), "reason", why));
        if (!d.autoRevert() || d.reverted) {
            return;
        }
        JobVersion stable = j.lastStableBefore(d.jobVersion);
        if (stable == null || stable.job().equals(j.spec(d.jobVersion))) {
            d.description = why + "; no other stable version to revert to";
            return;
        }
        d.reverted = true;
        d.description = why + "; reverting to version " + stable.version();
        jobStore.tell(new JobStore.Revert(j.id, stable.version(), storeReplies));
    }

    private Behavior<SchedulerCommand> onStoreAnswered(StoreAnswered m) {
        if (m.reply() instanceof JobStore.Rejected r) {
            getContext().getLog().warn("the job store refused to revert {}: {}", r.jobId(), r.reason());
        }
        return this;
    }

    // ------------------------------------------------------------------------------------------------ timers

    private Behavior<SchedulerCommand> onTick() {
        Instant now = now();
        while (!dues.isEmpty() && !dues.peek().at().isAfter(now)) {
            fire(dues.poll(), now);
        }
        for (String id : deploymentsToCheck) {
            JobEntry j = view.jobs.get(id);
            if (j != null) {
                checkDeployment(j, now);
            }
        }
        deploymentsToCheck.clear();
        if (!now.isBefore(nextCollection)) {
            nextCollection = now.plus(COLLECT_EVERY);
            collectGarbage(now);
        }
        if (statusChanged && !now.isBefore(nextStatusRefresh)) {
            // image locality is a preference, and ports others use are avoided on a best-effort basis (the agent
            // refuses a port that is taken): the nodes' new images and ports are worth a snapshot rebuild, but not
            // one per heartbeat (thousands of agents pulling at once)
            statusChanged = false;
            nextStatusRefresh = now.plus(STATUS_REFRESH);
            view.nodesChanged();
        }
        if (!now.isBefore(nextSweep)) {
            nextSweep = now.plusSeconds(1);
            knownNodes.flush();
            batchDone.flush();
            for (NodeEntry n : List.copyOf(view.nodes.values())) {
                if (n.status == Node.Status.READY && n.expiresAt != null && n.expiresAt.isBefore(now)) {
                    markDown(n, "no heartbeat since " + n.lastHeartbeat);
                }
            }
            Instant cutoff = now.minus(settings.unreachableGrace());
            unreachableSince.forEach((address, since) -> {
                if (since.isBefore(cutoff)) {
                    downNodesAt(address, "its cluster member has been unreachable since " + since);
                }
            });
        }
        for (NodeEntry n : view.nodes.values()) {
            if (n.draining) {
                drainStep(n, now);
            }
        }
        if (capacityFreed) {
            capacityFreed = false;
            for (EvalQueue.Blocked b : queue.blockedJobs()) {
                JobEntry j = view.jobs.get(b.jobId());
                if (j != null) {
                    queue.enqueue(j.id, b.priority(), "capacity", now);
                }
            }
        }
        if (recovering()) {
            checkRecovered();
        }
        if (queue.depth() > 0) {
            scheduleProcessing();
        }
        return this;
    }

    /**
     * Forgets allocations that were stopped or replaced and have ended (or whose node is down) more than
     * {@link #KEEP_ENDED} ago, so that the view does not grow with every allocation ever placed.
     */
    private void collectGarbage(Instant now) {
        Instant before = now.minus(KEEP_ENDED);
        List<AllocEntry> old = new ArrayList<>();
        for (AllocEntry a : view.allocations.values()) {
            NodeEntry n = view.nodes.get(a.node);
            boolean ended = a.state.terminal() || a.status.terminal() || n.status == Node.Status.DOWN;
            if ((a.desiredStop || a.replacedBy != null) && ended && a.modifiedAt.isBefore(before)) {
                old.add(a);
            }
        }
        old.forEach(view::remove);
    }

    private void fire(Due due, Instant now) {
        switch (due.kind()) {
            case HEALTHY -> {
                AllocEntry a = view.allocations.get(due.key());
                if (a != null && a.healthy == null && a.state == AllocationState.RUNNING
                        && due.stamp().equals(a.runningSince)) {
                    a.healthy = true;
                    view.changed(a);
                    healthChanged(view.job(a.jobId), a);
                }
            }
            case HEALTHY_DEADLINE -> {
                AllocEntry a = view.allocations.get(due.key());
                if (a != null && a.healthy == null && !a.desiredStop) {
                    a.healthy = false;
                    a.detail = "not healthy by its healthy deadline";
                    view.changed(a);
                    healthChanged(view.job(a.jobId), a);
                }
            }
            case RESCHEDULE -> {
                JobEntry j = view.jobs.get(due.key());
                if (j != null) {
                    enqueue(j, "reschedule");
                }
            }
            case DRAIN_DEADLINE -> {
                NodeEntry n = view.nodes.get(due.key());
                if (n != null && n.draining && due.stamp().equals(n.drainDeadline)) {
                    for (String id : List.copyOf(n.allocations)) {
                        AllocEntry a = view.allocations.get(id);
                        if (a.live()) {
                            stopAllocation(a, "node " + n.name + " drain deadline reached", now);
                            enqueue(view.job(a.jobId), "drain");
                        }
                    }
                }
            }
        }
    }

    /** Moves a drain on: evaluates the jobs still on the node; once nothing runs there, the drain is done. */
    private void drainStep(NodeEntry n, Instant now) {
        boolean left = false;
        for (String id : n.allocations) {
            AllocEntry a = view.allocations.get(id);
            if (a.live() || (a.desiredStop && !a.state.terminal() && !a.status.terminal())) {
                left = true;
                if (a.live()) {
                    enqueue(view.job(a.jobId), "drain");
                }
            }
        }
        if (!left) {
            n.draining = false;
            n.drainDeadline = null;
            view.nodesChanged();
            getContext().getLog().info("node {} drained", n.name);
            publish("Node", "NodeDrained", n.name, Map.of());
        }
    }

    // ------------------------------------------------------------------------------------------ API: nodes

    private Behavior<SchedulerCommand> onGetNodes(SchedulerApi.GetNodes q) {
        List<SchedulerApi.NodeView> out = new ArrayList<>();
        for (NodeEntry n : new TreeSet<>(view.nodes.keySet()).stream().map(view.nodes::get).toList()) {
            out.add(nodeView(n));
        }
        q.replyTo().tell(new SchedulerApi.NodeList(out));
        return this;
    }

    private Behavior<SchedulerCommand> onGetNode(SchedulerApi.GetNode q) {
        NodeEntry n = view.nodes.get(q.name());
        if (n == null) {
            q.replyTo().tell(new SchedulerApi.NodeReply(null, List.of()));
            return this;
        }
        List<SchedulerApi.AllocationView> allocs = n.allocations.stream().map(view.allocations::get)
                .sorted(ALLOCATION_ORDER).map(this::allocationView).toList();
        q.replyTo().tell(new SchedulerApi.NodeReply(nodeView(n), allocs));
        return this;
    }

    private SchedulerApi.NodeView nodeView(NodeEntry n) {
        int cpu = 0, live = 0;
        long mem = 0;
        for (String id : n.allocations) {
            AllocEntry a = view.allocations.get(id);
            if (a.live() && a.resources != null) {
                cpu += a.resources.cpuMhz();
                mem += a.resources.memoryMb();
                live++;
            }
        }
        return new SchedulerApi.NodeView(n.name, n.info, n.status.name().toLowerCase(), n.eligible(),
                n.draining, n.leaving, n.drainDeadline, cpu, mem, live, n.registeredAt, n.lastHeartbeat,
                settings.heartbeatTtl(view.readyNodes()), n.agent);
    }

    private Behavior<SchedulerCommand> onDrainNode(SchedulerApi.DrainNode m) {
        NodeEntry n = view.nodes.get(m.name());
        if (n == null) {
            m.replyTo().tell(SchedulerApi.OperationResult.unknown("no node named " + m.name()));
            return this;
        }
        Instant now = now();
        if (m.enable()) {
            Duration deadline = m.deadline() == null || m.deadline().isNegative() ? Duration.ZERO : m.deadline();
            n.draining = true;
            n.eligible = false;
            n.drainDeadline = now.plus(deadline);
            view.nodesChanged();
            dues.add(new Due(n.drainDeadline, Due.Kind.DRAIN_DEADLINE, n.name, n.drainDeadline));
            for (String job : jobsOn(n, false)) {
                enqueue(view.job(job), "drain");
            }
            m.replyTo().tell(SchedulerApi.OperationResult.done("node " + n.name + " is draining; what is left at "
                    + n.drainDeadline + " is stopped"));
        } else if (!n.draining) {
            m.replyTo().tell(SchedulerApi.OperationResult.done("node " + n.name + " was not draining"));
        } else {
            n.draining = false;
            n.drainDeadline = null;
            n.eligible = true;
            view.nodesChanged();
            capacityFreed = true;
            m.replyTo().tell(SchedulerApi.OperationResult.done("drain of node " + n.name + " cancelled"));
        }
        return this;
    }

    private Behavior<SchedulerCommand> onSetEligibility(SchedulerApi.SetEligibility m) {
        NodeEntry n = view.nodes.get(m.name());
        if (n == null) {
            m.replyTo().tell(SchedulerApi.OperationResult.unknown("no node named " + m.name()));
            return this;
        }
        if (n.eligible != m.eligible()) {
            n.eligible = m.eligible();
            view.nodesChanged();
            if (n.eligible) {
                capacityFreed = true;
                for (JobEntry j : view.jobs.values()) {
                    if (j.lastSpec != null && j.lastSpec.type() == JobType.SYSTEM) {
                        enqueue(j, "node-update");
                    }
                }
            }
        }
        m.replyTo().tell(SchedulerApi.OperationResult.done("node " + n.name + " is "
                + (n.eligible ? n.leaving ? "eligible once its agent, which is shutting down, registers again"
                : "eligible" : "ineligible")));
        return this;
    }

    // ------------------------------------------------------------------------------------ API: allocations

    private static final Comparator<AllocEntry> ALLOCATION_ORDER = Comparator.comparing((AllocEntry a) -> a.jobId)
            .thenComparing(a -> a.group).thenComparingInt(a -> a.index).thenComparing(a -> a.createdAt)
            .thenComparing(a -> a.id);

    private Behavior<SchedulerCommand> onGetAllocations(SchedulerApi.GetAllocations q) {
        List<AllocEntry> entries;
        if (q.jobId() == null) {
            entries = new ArrayList<>(view.allocations.values());
        } else {
            JobEntry j = view.jobs.get(q.jobId());
            entries = j == null ? List.of() : j.allocations.stream().map(view.allocations::get).toList();
        }
        q.replyTo().tell(new SchedulerApi.AllocationList(entries.stream().sorted(ALLOCATION_ORDER)
                .map(this::allocationView).toList()));
        return this;
    }

    private Behavior<SchedulerCommand> onGetAllocation(SchedulerApi.GetAllocation q) {
        AllocEntry a = view.allocations.get(q.allocationId());
        if (a == null) {
            q.replyTo().tell(new SchedulerApi.AllocationReply(null, null));
            return this;
        }
        NodeEntry n = view.nodes.get(a.node);
        q.replyTo().tell(new SchedulerApi.AllocationReply(allocationView(a), n == null ? null : n.agent));
        return this;
    }

    private SchedulerApi.AllocationView allocationView(AllocEntry a) {
        return new SchedulerApi.AllocationView(a.id, a.name(), a.jobId, a.jobVersion, a.group, a.index, a.node,
                a.state, a.status.name().toLowerCase(), a.desiredStop || a.replacedBy != null ? "stop" : "run",
                a.healthy, a.canary, a.ports, a.exitCode, a.detail, a.previousAllocation, a.rescheduleCount,
                a.createdAt, a.modifiedAt, List.copyOf(a.events));
    }

    // ---------------------------------------------------------------------------------------- API: planning

    private Behavior<SchedulerCommand> onPlanJob(SchedulerApi.PlanJob q) {
        Job job = q.job();
        List<String> errors = JobSpecs.validate(job);
        if (!errors.isEmpty()) {
            q.replyTo().tell(new SchedulerApi.PlanResult(job.id(), 0, true, errors, null, null, null, null, null));
            return this;
        }
        JobEntry j = view.jobs.get(job.id());
        boolean known = j != null && j.lastSpec != null;
        boolean changed = !known || !job.equals(j.lastSpec) || !j.wanted();
        long version = !known ? 0 : changed ? j.lastVersion + 1 : j.lastVersion;
        ClusterSnapshot snapshot = view.snapshot();
        Evaluation ev = evaluationOf(j == null ? new JobEntry(job.id()) : j, "plan", job, version, now(), false);
        Plan plan = new Scheduler(snapshot, new Random(random.nextLong())).process(ev);
        Set<String> replaced = new HashSet<>();
        List<SchedulerApi.PlannedPlacement> placements = new ArrayList<>();
        for (Plan.Placement p : plan.placements()) {
            if (p.replaces() != null) {
                replaced.add(p.replaces());
            }
            placements.add(new SchedulerApi.PlannedPlacement(job.id() + "." + p.group() + "[" + p.index() + "]",
                    p.group(), p.index(), p.nodeId(), p.ports(), p.canary(), p.replaces(), p.score()));
        }
        List<SchedulerApi.PlannedStop> stops = new ArrayList<>();
        plan.stops().forEach(s -> stops.add(new SchedulerApi.PlannedStop(s.allocationId(), s.jobId(), s.nodeId(),
                s.reason(), false)));
        plan.evictions().forEach(s -> stops.add(new SchedulerApi.PlannedStop(s.allocationId(), s.jobId(),
                s.nodeId(), s.reason(), true)));
        List<SchedulerApi.GroupPlan> groups = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        job.groups().forEach(g -> names.add(g.name()));
        snapshot.allocationsOf(job.id()).forEach(a -> names.add(a.group()));
        for (String g : names) {
            int place = 0, update = 0, canary = 0, stop = 0, unplaced = 0, live = 0;
            for (Plan.Placement p : plan.placements()) {
                if (p.group().equals(g)) {
                    if (p.canary()) {
                        canary++;
                    } else if (p.replaces() != null) {
                        update++;
                    } else {
                        place++;
                    }
                }
            }
            Set<String> stopped = new HashSet<>();
            for (Plan.Stop s : plan.stops()) {
                stopped.add(s.allocationId());
            }
            for (Allocation a : snapshot.allocationsOf(job.id())) {
                if (a.group().equals(g) && !a.status().terminal()) {
                    live++;
                    if (stopped.contains(a.id()) && !replaced.contains(a.id())) {
                        stop++;
                    }
                }
            }
            for (Plan.Failure f : plan.failures()) {
                if (f.group().equals(g)) {
                    unplaced += f.unplaced();
                }
            }
            long preempt = plan.evictions().size();
            int touched = 0;
            for (Allocation a : snapshot.allocationsOf(job.id())) {
                if (a.group().equals(g) && !a.status().terminal() && stopped.contains(a.id())) {
                    touched++;
                }
            }
            groups.add(new SchedulerApi.GroupPlan(g, place, update, canary, stop, (int) preempt, unplaced,
                    live - touched));
        }
        q.replyTo().tell(new SchedulerApi.PlanResult(job.id(), version, changed, List.of(), groups, placements, stops,
                failures(plan), plan.explain()));
        return this;
    }

    // ------------------------------------------------------------------------------------- API: deployments

    private Behavior<SchedulerCommand> onGetDeployment(SchedulerApi.GetDeployment q) {
        JobEntry j = view.jobs.get(q.jobId());
        Deployment d = j == null ? null : j.deployment;
        q.replyTo().tell(new SchedulerApi.DeploymentReply(d == null ? null : deploymentView(d)));
        return this;
    }

    private SchedulerApi.DeploymentView deploymentView(Deployment d) {
        List<SchedulerApi.DeploymentGroup> groups = new ArrayList<>();
        for (Deployment.Group g : d.groups.values()) {
            groups.add(new SchedulerApi.DeploymentGroup(g.name, g.desiredTotal, g.desiredCanaries, g.canaries,
                    d.promoted, g.autoPromote, g.autoRevert, g.placed, g.healthy, g.unhealthy, g.requireProgressBy));
        }
        return new SchedulerApi.DeploymentView(d.id, d.jobId, d.jobVersion, d.status.apiName(), d.description, groups,
                d.createdAt, d.modifiedAt);
    }

    private Behavior<SchedulerCommand> onPromoteDeployment(SchedulerApi.PromoteDeployment m) {
        JobEntry j = view.jobs.get(m.jobId());
        Deployment d = j == null ? null : j.deployment;
        if (d == null) {
            m.replyTo().tell(SchedulerApi.OperationResult.unknown("job " + m.jobId() + " has no deployment"));
        } else if (!d.status.active()) {
            m.replyTo().tell(SchedulerApi.OperationResult.refused("the deployment of version " + d.jobVersion
                    + " is " + d.status.apiName() + ", not running"));
        } else if (!d.hasCanaries()) {
            m.replyTo().tell(SchedulerApi.OperationResult.refused("the deployment of version " + d.jobVersion
                    + " has no canaries to promote"));
        } else {
            d.promoted = true;
            d.status = Deployment.Status.RUNNING;
            d.description = "promoted: rolling out the rest";
            d.modifiedAt = now();
            enqueue(j, "deployment");
            m.replyTo().tell(SchedulerApi.OperationResult.done("deployment of " + j.id + " version " + d.jobVersion
                    + " promoted"));
        }
        return this;
    }

    private Behavior<SchedulerCommand> onFailDeployment(SchedulerApi.FailDeployment m) {
        JobEntry j = view.jobs.get(m.jobId());
        Deployment d = j == null ? null : j.deployment;
        if (d == null) {
            m.replyTo().tell(SchedulerApi.OperationResult.unknown("job " + m.jobId() + " has no deployment"));
        } else if (!d.status.active()) {
            m.replyTo().tell(SchedulerApi.OperationResult.refused("the deployment of version " + d.jobVersion
                    + " is already " + d.status.apiName()));
        } else {
            failDeployment(j, d, "failed by an operator", now());
            m.replyTo().tell(SchedulerApi.OperationResult.done("deployment of " + j.id + " version " + d.jobVersion
                    + " failed"));
        }
        return this;
    }

    // ------------------------------------------------------------------------------- API: queue and status

    private Behavior<SchedulerCommand> onGetEvaluations(SchedulerApi.GetEvaluations q) {
        List<SchedulerApi.EvaluationView> out = new ArrayList<>();
        for (EvalQueue.Pending p : queue.pending()) {
            if (q.jobId() == null || q.jobId().equals(p.jobId())) {
                out.add(new SchedulerApi.EvaluationView(p.id(), p.jobId(), p.priority(), p.trigger(), "pending", 0, 0,
                        List.of(), "", p.createdAt(), p.createdAt()));
            }
        }
        for (EvalQueue.Blocked b : queue.blocked()) {
            if (q.jobId() == null || q.jobId().equals(b.jobId())) {
                out.add(new SchedulerApi.EvaluationView(b.evalId(), b.jobId(), b.priority(), "capacity", "blocked", 0,
                        0, b.failures(), b.explanation(), b.createdAt(), b.createdAt()));
            }
        }
        List<SchedulerApi.EvaluationView> recent = new ArrayList<>(queue.history());
        for (int i = recent.size() - 1; i >= 0; i--) {
            SchedulerApi.EvaluationView v = recent.get(i);
            if (q.jobId() == null || q.jobId().equals(v.jobId())) {
                out.add(v);
            }
        }
        q.replyTo().tell(new SchedulerApi.EvaluationList(queue.depth(), queue.blocked().size(), out));
        return this;
    }

    private Behavior<SchedulerCommand> onGetStatus(SchedulerApi.GetStatus q) {
        int live = 0;
        for (AllocEntry a : view.allocations.values()) {
            if (a.live()) {
                live++;
            }
        }
        int jobs = (int) view.jobs.values().stream().filter(j -> j.record != null).count();
        q.replyTo().tell(new SchedulerApi.SchedulerStatus(selfAddress.toString(), startedAt, view.nodes.size(),
                view.readyNodes(), jobs, live, placementsTotal, stopsTotal, evaluationsTotal, queue.depth(),
                queue.blocked().size(), settings.heartbeatTtl(view.readyNodes())));
        return this;
    }

    private void publish(String topic, String type, String key, Map<String, String> details) {
        Events.publish(getContext().getSystem(), new BerthEvent(topic, type, key, details, now()));
    }
}
