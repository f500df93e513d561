package io.berth.agent;

import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.cluster.AllocationStats;
import io.berth.protocol.cluster.CborSerializable;
import io.berth.protocol.cluster.LogChunk;
import io.berth.protocol.cluster.LogLines;
import io.berth.protocol.cluster.LogStream;
import io.berth.protocol.cluster.StopAnswer;
import io.berth.protocol.job.HealthCheck;
import io.berth.protocol.job.Task;
import io.berth.protocol.oci.runtime.RuntimeSpec;
import io.berth.protocol.oci.runtime.RuntimeSpecs;
import io.berth.runtime.ContainerNotFoundException;
import io.berth.runtime.ContainerRuntime;
import io.berth.runtime.ContainerStatus;
import io.berth.runtime.CreateOptions;
import io.berth.runtime.ExitStatus;
import io.berth.runtime.Stdio;
import io.berth.runtime.cgroup.CgroupStats;
import io.berth.storage.image.ResolvedImage;
import io.berth.storage.image.RootfsMount;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one task of an allocation in its own container and keeps it running; a child of the allocation's
 * {@link AllocationSupervisor}, which gives it the task's image and the allocation's network ({@link Prepared})
 * and to which it reports every state of the task ({@link AllocationSupervisor.TaskStateChanged}). It mounts the
 * rootfs (an overlay of the image's snapshots under the task's own upper directory), writes the bundle, creates
 * and starts the container through the {@link ContainerRuntime} in-process, in the allocation's network namespace
 * and below the allocation's cgroup, and watches its exit.
 *
 * <p>An exit is reported (EXITED with the code, or OOM_KILLED) and the task restarted per its restart policy,
 * except that a batch task which exited 0 is complete: reported EXITED 0 with {@code complete} set, not
 * restarted, its ended container kept (the record of its success a restarted agent finds) until {@link Stop}.
 * Failing health checks mark the task UNHEALTHY and kill it, so the same policy restarts it. {@link Stop} sends the
 * task's stop signal, then SIGKILL after its stop timeout. The task is FAILED when its policy gives up or it cannot
 * start, STOPPED after a stop; then the supervisor waits for its parent to stop it, answering for the logs.
 *
 * <p>Everything that blocks (mounts, the runtime, probes) runs on the blocking dispatcher and comes back as a
 * message, so the actor only ever holds state. Each run is torn down completely (container deleted, rootfs
 * unmounted and released) before the next starts or the task ends; the network is the allocation's. Container
 * stdout and stderr go to {@link LogFiles}.
 *
 * <p><b>Live restore.</b> Containers run in the runtime's reaper mode, so they outlive the agent process: their
 * init records the exit status in the container's state directory and keeps the log pipes open. A supervisor
 * created for a task an earlier agent process ran looks at what that process left: a running container is adopted
 * (RUNNING again, same container, its exit watched, its logs reopened, health checks resumed, no restart counted);
 * one that ended meanwhile is reported EXITED or OOM_KILLED with the recorded code and goes through the restart
 * policy (or is complete again); with no container (or one never started) the task starts afresh once its parent
 * has prepared. Stopping the supervisor (the agent going away) leaves the container running. Its restart policy goes
 * on from the history persisted with the allocation: each decided restart is told to the parent
 * ({@link AllocationSupervisor.TaskRestartDecided}), which the agent persists before the restart starts.
 */
public final class ContainerSupervisor extends AbstractBehavior<ContainerSupervisor.Command> {

    public sealed interface Command extends CborSerializable {}

    /** Stop the task for good. */
    public enum Stop implements Command { INSTANCE }

    /**
     * What the task needs to start: its image and the allocation's network, or why it cannot start (then
     * {@code error} is set and the others are null). Sent once by the parent; a restored supervisor whose container
     * still runs needs it only for a later run.
     */
    record Prepared(ResolvedImage image, NetworkSetup.Attachment network, String error) implements Command {}

    /** Asks for the last {@code lines} lines of a stream. */
    public record TailLogs(LogStream stream, int lines, ActorRef<LogLines> replyTo) implements Command {}

    /** Sends every chunk the task writes from now on to {@code follower}, until {@link Unfollow}. */
    public record FollowLogs(ActorRef<LogChunk> follower) implements Command {}

    public record Unfollow(ActorRef<LogChunk> follower) implements Command {}

    /** Asks for the running container's CPU and memory use; the answer's error says why there are none. */
    public record GetStats(ActorRef<AllocationStats> replyTo) implements Command {}

    /**
     * Restarts the running task in place (stop signal, timeout, SIGKILL, start again) without counting it
     * against the restart policy; answered at once with whether it was accepted.
     */
    public record Restart(ActorRef<StopAnswer> replyTo) implements Command {}

    /** Sends {@code signal} to every process of the running task; answered with whether it was sent. */
    public record Signal(int signal, ActorRef<StopAnswer> replyTo) implements Command {}

    /** A restored supervisor found the earlier agent process's container running. */
    private record Adopted(CompletableFuture<ExitStatus> exit) implements Command {}

    /** A restored supervisor found the container ended while no agent watched it. */
    private record FoundEnded(ExitStatus status) implements Command {}

    /** A restored supervisor found no container to adopt (what was left of one is torn down). */
    private record FoundNone(String why) implements Command {}

    private record Launched(int run, CompletableFuture<ExitStatus> exit) implements Command {}

    private record LaunchFailed(int run, String reason) implements Command {}

    private record Exited(int run, ExitStatus status) implements Command {}

    private record TornDown(int run, ExitStatus status) implements Command {}

    private enum RestartNow implements Command { INSTANCE }

    private enum KillNow implements Command { INSTANCE }

    private record HealthTick(int check) implements Command {}

    private record HealthResult(int run, int check, String failure) implements Command {}

    private record Following(ActorRef<LogChunk> ref, Consumer<LogFiles.LogChunk> consumer) {}

    /**
     * WAITING: for {@link Prepared} before a run; COMPLETE: a batch task that exited 0, its container kept;
     * DONE: FAILED or STOPPED reported.
     */
    private enum Phase { WAITING, RESTORING, LAUNCHING, RUNNING, KILLING, WAITING_RESTART, COMPLETE, DONE }

    /** For the blocking dispatcher's threads, which must not touch the actor context. */
    private static final Logger LOG = LoggerFactory.getLogger(ContainerSupervisor.class);

    private static final String KILL_TIMER = "kill";
    private static final String RESTART_TIMER = "restart";

    private final Allocation alloc;
    private final Task task;
    private final AgentServices services;
    private final ActorRef<AllocationSupervisor.Command> parent;
    private final TimerScheduler<Command> timers;
    private final Executor blocking;
    private final RestartTracker restarts;
    private final LogFiles logs;
    private final Path dir;
    private final String containerId;
    private final int stopSignal;
    private final List<Following> followers = new ArrayList<>();
    private final int[] failures;
    private final boolean[] probing;

    /** The last state reported, null before the first. */
    private AllocationState state;
    private Phase phase = Phase.WAITING;
    private boolean stopRequested;
    /** A {@link Restart} is under way: the next exit starts the task again outside the restart policy. */
    private boolean restartRequested;
    /** The run that just ended did so while no agent watched it (found by a restored supervisor). */
    private boolean endedWhileAway;
    /** The parent's answer, null until it comes. */
    private Prepared prepared;
    private int run;
    private Instant startedAt;
    /** How the last run ended, for the stop of a complete batch task. */
    private ExitStatus lastExit;

    private ContainerSupervisor(ActorContext<Command> context, TimerScheduler<Command> timers, Allocation alloc,
                                Task task, AgentServices services,
                                ActorRef<AllocationSupervisor.Command> parent, boolean restored) {
        super(context);
        this.alloc = alloc;
        this.task = task;
        this.services = services;
        this.parent = parent;
        this.timers = timers;
        this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
        this.restarts = new RestartTracker(task.restart(), services.config().stableAfter(), services.clock(),
                alloc.restarts().getOrDefault(task.name(), RestartTracker.History.NONE));
        this.dir = Allocation.taskDir(services.config(), alloc.allocationId(), task.name());
        this.logs = new LogFiles(dir.resolve("logs"), services.config().logMaxBytes(), services.config().logMaxFiles());
        this.containerId = Allocation.containerId(alloc.allocationId(), task);
        this.stopSignal = Signals.parse(task.stopSignal());
        this.failures = new int[task.checks().size()];
        this.probing = new boolean[task.checks().size()];
        if (restored) {
            phase = Phase.RESTORING;
            getContext().pipeToSelf(CompletableFuture.supplyAsync(this::restoreBlocking, blocking), (cmd, failure) ->
                    cmd != null ? cmd : new FoundNone("looking for its container failed: " + failure));
        }
    }

    /**
     * A supervisor for one task of an allocation that is already persisted. A fresh one waits for {@link Prepared}
     * and reports nothing before (its parent reports the allocation's start); a restored one first reports what it
     * found (see live restore).
     *
     * @param restored whether an earlier agent process ran it: its container is adopted if it runs
     */
    static Behavior<Command> create(Allocation alloc, Task task, AgentServices services,
                                    ActorRef<AllocationSupervisor.Command> parent, boolean restored) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
                new ContainerSupervisor(ctx, timers, alloc, task, services, parent, restored)));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Prepared.class, this::onPrepared)
                .onMessage(Adopted.class, this::onAdopted)
                .onMessage(FoundEnded.class, this::onFoundEnded)
                .onMessage(FoundNone.class, this::onFoundNone)
                .onMessage(Launched.class, this::onLaunched)
                .onMessage(LaunchFailed.class, this::onLaunchFailed)
                .onMessage(Exited.class, this::onExited)
                .onMessage(TornDown.class, this::onTornDown)
                .onMessageEquals(RestartNow.INSTANCE, this::onRestartNow)
                .onMessageEquals(Stop.INSTANCE, this::onStop)
                .onMessageEquals(KillNow.INSTANCE, this::onKillNow)
                .onMessage(HealthTick.class, this::onHealthTick)
                .onMessage(HealthResult.class, this::onHealthResult)
                .onMessage(TailLogs.class, this::onTailLogs)
                .onMessage(FollowLogs.class, this::onFollowLogs)
                .onMessage(Unfollow.class, this::onUnfollow)
                .onMessage(GetStats.class, this::onGetStats)
                .onMessage(Restart.class, this::onRestart)
                .onMessage(Signal.class, this::onSignal)
                .onSignal(PostStop.class, s -> onPostStop())
                .build();
    }

    private void report(AllocationState to, Integer exitCode, String detail) {
        report(to, exitCode, detail, false);
    }

    private void report(AllocationState to, Integer exitCode, String detail, boolean complete) {
        state = state == null ? to : state.checkTransition(containerId, to);
        parent.tell(new AllocationSupervisor.TaskStateChanged(task.name(), to, exitCode, detail, complete));
    }

    /** Reports the task's end; the supervisor stays to answer for the logs until its parent stops. */
    private Behavior<Command> finish(AllocationState terminal, String detail) {
        report(terminal, null, detail);
        phase = Phase.DONE;
        followers.forEach(f -> logs.unfollow(f.consumer()));
        followers.clear();
        return this;
    }

    // --- live restore

    /** What the earlier agent process left: a running container, an ended one, or none (cleaned up). */
    private Command restoreBlocking() {
        try {
            ContainerStatus status = services.runtime().status(containerId);
            if (status == ContainerStatus.RUNNING) {
                CompletableFuture<ExitStatus> exit = services.runtime().exitFuture(containerId);
                try {
                    logs.reopenPumps(containerId);
                } catch (IOException e) {
                    LOG.warn("task {}: its output is lost: {}", containerId, e.getMessage());
                }
                return new Adopted(exit);
            }
            // Ended before RUNNING was reported: the earlier process died while it created the container, whose
            // init, already spawned, gave up when that process went. The task never ran: no exit to count.
            if (status == ContainerStatus.STOPPED && alloc.state() != AllocationState.STARTING) {
                return new FoundEnded(services.runtime().exitFuture(containerId).get(30, TimeUnit.SECONDS));
            }
            teardownBlocking();  // created but not started: the earlier process died while it launched the task
            return new FoundNone("the agent restarted while it was starting the task; it is started again");
        } catch (ContainerNotFoundException e) {
            return cleanedUp("the agent restarted and found no container; the task is started again");
        } catch (Exception e) {
            return cleanedUp("the agent restarted and could not adopt its container (" + e.getMessage()
                    + "); the task is started again");
        }
    }

    private Command cleanedUp(String why) {
        try {
            teardownBlocking();  // mounts an earlier run may have left
        } catch (Exception e) {
            LOG.warn("task {}: cleaning up after the earlier agent process: {}", containerId, e.toString());
        }
        return new FoundNone(why);
    }

    private Behavior<Command> onAdopted(Adopted m) {
        run = 1;
        return running(new Launched(run, m.exit()), "adopted after an agent restart");
    }

    private Behavior<Command> onFoundEnded(FoundEnded m) {
        run = 1;
        startedAt = services.clock().instant();  // how long it ran is not known: the exit counts as a crash
        endedWhileAway = true;
        return onExited(new Exited(run, m.status()));
    }

    private Behavior<Command> onFoundNone(FoundNone m) {
        report(AllocationState.PENDING, null, m.why());
        report(AllocationState.PULLING, null, task.image());
        return launch();
    }

    // --- starting

    private Behavior<Command> onPrepared(Prepared m) {
        prepared = m;
        return phase == Phase.WAITING ? launch() : this;
    }

    private Behavior<Command> launch() {
        if (stopRequested) {
            return finish(AllocationState.STOPPED, "stopped before it started");
        }
        if (prepared == null) {  // a fresh or restored supervisor whose parent has not prepared yet
            phase = Phase.WAITING;
            return this;
        }
        if (prepared.error() != null) {
            return finish(AllocationState.FAILED, prepared.error());
        }
        phase = Phase.LAUNCHING;
        run++;
        report(AllocationState.STARTING, null, run == 1 ? "" : "restart " + (run - 1));
        int thisRun = run;
        CompletableFuture<Command> f = CompletableFuture.supplyAsync(() -> {
            try {
                return launchBlocking(thisRun);
            } catch (Exception e) {
                return new LaunchFailed(thisRun, e.getMessage() == null ? e.toString() : e.getMessage());
            }
        }, blocking);
        getContext().pipeToSelf(f, (cmd, failure) -> cmd != null ? cmd : new LaunchFailed(thisRun, failure.toString()));
        return this;
    }

    /** Mounts, writes the bundle, creates and starts the container; on failure leaves nothing of the run. */
    private Command launchBlocking(int thisRun) throws Exception {
        Path bundle = dir.resolve("bundle");
        Path rootfs = bundle.resolve("rootfs");
        try {
            Files.createDirectories(rootfs);
            RootfsMount m = services.images().prepareRootfs(prepared.image().image().name(), containerId);
            run(m.mountCommand(rootfs));
            RuntimeSpec spec = TaskSpecs.build(alloc.allocationId(), task, prepared.image().config(), alloc.hostPorts(),
                    prepared.network(), rootfs, Allocation.cgroupsPath(alloc.allocationId(), task),
                    Files.createDirectories(dir.resolve("local")));
            Files.write(bundle.resolve("config.json"), RuntimeSpecs.toJson(spec));
            logs.startPumps(containerId);
            services.runtime().create(CreateOptions.of(containerId, bundle,
                    Stdio.files(null, logs.pipe(LogStream.STDOUT), logs.pipe(LogStream.STDERR))));
            services.runtime().start(containerId);
            return new Launched(thisRun, services.runtime().exitFuture(containerId));
        } catch (Exception e) {
            try {
                teardownBlocking();
            } catch (Exception t) {
                e.addSuppressed(t);
            }
            throw e;
        }
    }

    private Behavior<Command> onLaunched(Launched m) {
        return running(m, "");
    }

    private Behavior<Command> running(Launched m, String detail) {
        phase = Phase.RUNNING;
        startedAt = services.clock().instant();
        report(AllocationState.RUNNING, null, detail);
        getContext().pipeToSelf(m.exit(), (status, failure) ->
                new Exited(m.run(), status != null ? status : new ExitStatus(-1, 0, false)));
        Arrays.fill(failures, 0);
        for (int i = 0; i < task.checks().size(); i++) {
            HealthCheck c = task.checks().get(i);
            timers.startTimerWithFixedDelay("check-" + i, new HealthTick(i), c.interval(), c.interval());
        }
        if (stopRequested) {
            return sendStopSignal();
        }
        return this;
    }

    private Behavior<Command> onLaunchFailed(LaunchFailed m) {
        // Bad input (no such command, bad user) does not get better by trying again.
        return finish(stopRequested ? AllocationState.STOPPED : AllocationState.FAILED, m.reason());
    }

    // --- running and exiting

    private Behavior<Command> onExited(Exited m) {
        cancelChecks();
        timers.cancel(KILL_TIMER);
        lastExit = m.status();
        if (!stopRequested && !restartRequested && alloc.batch() && succeeded(m.status())) {
            // Complete. Its ended container stays as the record of that: a restarted agent finds it and does not
            // run the task again.
            report(AllocationState.EXITED, 0, endedWhileAway ? "complete while the agent was down" : "complete", true);
            endedWhileAway = false;
            phase = Phase.COMPLETE;
            return this;
        }
        phase = Phase.KILLING;
        if (!stopRequested && !restartRequested) {
            // Reported, and so persisted, before the container and its exit file go: an agent killed during the
            // teardown leaves nothing that needed them.
            reportExit(m.status());
        }
        tearDown(m.run(), m.status());
        return this;
    }

    private static boolean succeeded(ExitStatus s) {
        return s.exitCode() == 0 && s.signal() == 0 && !s.oomKilled();
    }

    private void tearDown(int ofRun, ExitStatus status) {
        CompletableFuture<Command> f = CompletableFuture.supplyAsync(() -> {
            try {
                teardownBlocking();
            } catch (Exception e) {
                LOG.warn("task {}: tearing down its container failed: {}", containerId, e.toString());
            }
            return new TornDown(ofRun, status);
        }, blocking);
        getContext().pipeToSelf(f, (cmd, failure) -> cmd != null ? cmd : new TornDown(ofRun, status));
    }

    private Behavior<Command> onTornDown(TornDown m) {
        ExitStatus s = m.status();
        if (stopRequested) {
            return finish(AllocationState.STOPPED, "exit code " + s.exitCode());
        }
        if (restartRequested) {
            restartRequested = false;
            report(AllocationState.EXITED, s.exitCode(), "restart requested");
            return launch();
        }
        RestartTracker.Decision d = restarts.onExit(startedAt);
        if (d.giveUp()) {
            return finish(AllocationState.FAILED, d.reason());
        }
        getContext().getLog().info("task {}: {}", containerId, d.reason());
        parent.tell(new AllocationSupervisor.TaskRestartDecided(alloc.allocationId(), task.name(), restarts.history()));
        phase = Phase.WAITING_RESTART;
        timers.startSingleTimer(RESTART_TIMER, RestartNow.INSTANCE, d.delay());
        return this;
    }

    private Behavior<Command> onRestartNow() {
        return phase == Phase.WAITING_RESTART ? launch() : this;
    }

    private Behavior<Command> onStop() {
        stopRequested = true;
        restartRequested = false;
        return switch (phase) {
            case RUNNING -> sendStopSignal();
            case WAITING -> finish(AllocationState.STOPPED, "stopped before it started");
            case WAITING_RESTART -> {
                timers.cancel(RESTART_TIMER);
                yield finish(AllocationState.STOPPED, "stopped while waiting to restart");
            }
            case COMPLETE -> {
                phase = Phase.KILLING;
                tearDown(run, lastExit);
                yield this;
            }
            // RESTORING and LAUNCHING look at stopRequested when they finish; KILLING already ends in a stop
            default -> this;
        };
    }

    private Behavior<Command> sendStopSignal() {
        phase = Phase.KILLING;
        cancelChecks();
        kill(stopSignal);
        timers.startSingleTimer(KILL_TIMER, KillNow.INSTANCE, task.stopTimeout());
        return this;
    }

    private Behavior<Command> onKillNow() {
        kill(Signals.SIGKILL);
        return this;
    }

    private void kill(int signal) {
        try {
            services.runtime().kill(containerId, signal, true);
        } catch (RuntimeException e) {
            // it may have exited on its own a moment ago; its exit message is on the way
            getContext().getLog().debug("task {}: kill {}: {}", containerId, signal, e.getMessage());
        }
    }

    private Behavior<Command> onRestart(Restart m) {
        if (phase != Phase.RUNNING || stopRequested) {
            m.replyTo().tell(new StopAnswer(alloc.allocationId(), false, notRunning()));
            return this;
        }
        restartRequested = true;
        m.replyTo().tell(new StopAnswer(alloc.allocationId(), true, ""));
        return sendStopSignal();
    }

    private Behavior<Command> onSignal(Signal m) {
        if (phase != Phase.RUNNING) {
            m.replyTo().tell(new StopAnswer(alloc.allocationId(), false, notRunning()));
            return this;
        }
        try {
            services.runtime().kill(containerId, m.signal(), true);
            m.replyTo().tell(new StopAnswer(alloc.allocationId(), true, ""));
        } catch (RuntimeException e) {
            m.replyTo().tell(new StopAnswer(alloc.allocationId(), false, e.getMessage()));
        }
        return this;
    }

    private String notRunning() {
        return "task " + task.name() + " of allocation " + alloc.allocationId() + " has no running container (it is "
                + (phase == Phase.COMPLETE ? "complete" : state) + ")";
    }

    // --- health checks

    private void cancelChecks() {
        for (int i = 0; i < failures.length; i++) {
            timers.cancel("check-" + i);
        }
    }

    private Behavior<Command> onHealthTick(HealthTick t) {
        if (phase != Phase.RUNNING || probing[t.check()]) {
            return this;
        }
        probing[t.check()] = true;
        HealthCheck c = task.checks().get(t.check());
        int thisRun = run;
        CompletableFuture<String> f = CompletableFuture.supplyAsync(() -> HealthProbes.probe(c, services.runtime(),
                containerId, task.network(), alloc.hostPorts()), blocking);
        getContext().pipeToSelf(f, (failure, ex) -> new HealthResult(thisRun, t.check(),
                ex != null ? "check " + c.name() + ": " + ex : failure));
        return this;
    }

    private Behavior<Command> onHealthResult(HealthResult r) {
        probing[r.check()] = false;
        if (phase != Phase.RUNNING || r.run() != run) {
            return this;
        }
        HealthCheck c = task.checks().get(r.check());
        if (r.failure() == null) {
            failures[r.check()] = 0;
            return this;
        }
        if (Duration.between(startedAt, services.clock().instant()).compareTo(c.grace()) < 0) {
            return this;
        }
        if (++failures[r.check()] < c.failureThreshold()) {
            return this;
        }
        report(AllocationState.UNHEALTHY, null, r.failure() + " (" + c.failureThreshold() + " times in a row)");
        // Killed, not stopped: the exit goes through the restart policy like a crash.
        phase = Phase.KILLING;
        cancelChecks();
        kill(Signals.SIGKILL);
        return this;
    }

    // --- logs and stats

    private Behavior<Command> onTailLogs(TailLogs m) {
        try {
            m.replyTo().tell(new LogLines(alloc.allocationId(), logs.tail(m.stream(), Math.max(0, m.lines())), ""));
        } catch (IOException e) {
            m.replyTo().tell(new LogLines(alloc.allocationId(), "", "cannot read the logs: " + e.getMessage()));
        }
        return this;
    }

    private Behavior<Command> onFollowLogs(FollowLogs m) {
        Consumer<LogFiles.LogChunk> c = chunk ->
                m.follower().tell(new LogChunk(alloc.allocationId(), chunk.stream(), chunk.data(), ""));
        logs.follow(c);
        followers.add(new Following(m.follower(), c));
        return this;
    }

    private Behavior<Command> onUnfollow(Unfollow m) {
        followers.removeIf(f -> {
            if (f.ref().equals(m.follower())) {
                logs.unfollow(f.consumer());
                return true;
            }
            return false;
        });
        return this;
    }

    private Behavior<Command> onGetStats(GetStats m) {
        Instant now = services.clock().instant();
        if (phase != Phase.RUNNING) {
            m.replyTo().tell(new AllocationStats(alloc.allocationId(), 0, 0, 0, 0, now, notRunning()));
            return this;
        }
        try {
            CgroupStats s = services.runtime().stats(containerId);
            m.replyTo().tell(new AllocationStats(alloc.allocationId(), s.cpu().usageTotal(), s.memory().usage(),
                    s.memory().maxUsage(), s.pids().current(), now, ""));
        } catch (RuntimeException e) {
            m.replyTo().tell(new AllocationStats(alloc.allocationId(), 0, 0, 0, 0, now, e.getMessage()));
        }
        return this;
    }

    private void reportExit(ExitStatus s) {
        String away = endedWhileAway ? "while the agent was down" : "";
        endedWhileAway = false;
        if (s.oomKilled()) {
            report(AllocationState.OOM_KILLED, code(s), join("killed by the OOM killer at its memory limit of "
                    + task.resources().memoryMb() + " MiB", away));
        } else {
            report(AllocationState.EXITED, code(s), join(s.exitCode() < 0 ? "its exit status is unknown (its init was "
                    + "killed)" : s.signal() != 0 ? "killed by signal " + s.signal() : "", away));
        }
    }

    /** The exit code to report: null when the runtime could not learn it. */
    private static Integer code(ExitStatus s) {
        return s.exitCode() < 0 ? null : s.exitCode();
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : b.isEmpty() ? a : a + ", " + b;
    }

    private Behavior<Command> onPostStop() {
        if (phase != Phase.DONE) {
            // The agent goes away: the container keeps running and its pipes wait for the next agent process.
            logs.closePumps();
        }
        return this;
    }

    // --- teardown

    /** Deletes the container, ends the log pumps, unmounts and releases the rootfs; each step idempotent. */
    private void teardownBlocking() throws IOException {
        try {
            services.runtime().delete(containerId, true);
        } catch (ContainerNotFoundException e) {
            // nothing to delete
        }
        logs.releasePumps();  // one whose open raced with the container's end would wait for a writer forever
        Path rootfs = dir.resolve("bundle").resolve("rootfs");
        if (mounted(rootfs)) {
            run(List.of("umount", rootfs.toString()));
        }
        services.images().releaseRootfs(containerId);
        Path bundle = dir.resolve("bundle");
        if (Files.exists(bundle)) {
            try (Stream<Path> s = Files.walk(bundle)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static boolean mounted(Path dir) throws IOException {
        String target = dir.toAbsolutePath().normalize().toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 4 && f[4].equals(target)) {
                return true;
            }
        }
        return false;
    }

    private static void run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        try {
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + cmd.get(0), e);
        }
    }
}
