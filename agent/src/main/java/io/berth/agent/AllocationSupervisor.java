package io.berth.agent;

import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.cluster.AllocationStateChanged;
import io.berth.protocol.cluster.CborSerializable;
import io.berth.protocol.job.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one allocation: every task of its group as one pod. The tasks share the allocation's network (one
 * namespace, one CNI attachment publishing the ports of all of them, one set of /etc files), and each runs in its
 * own container with its own rootfs, cgroup (below the allocation's), logs, restart policy and health checks, under
 * its own {@link ContainerSupervisor}, a child of this actor.
 *
 * <p>A fresh allocation reports PENDING, then PULLING while the {@link ImageService} gets every task's image and
 * the network is set up meanwhile, then STARTING as it hands each task supervisor its image and the network. A
 * missing image or a network that cannot be had fails the allocation before any container starts.
 *
 * <p>From then on the allocation's state is derived from its tasks' (see {@link #derive}): RUNNING when every
 * task runs, UNHEALTHY when one is, EXITED or OOM_KILLED while a task that ended waits for its restart, and
 * EXITED with code 0 once every task of a batch job has completed. A task that fails (its restart policy gives up,
 * or it cannot start) fails the allocation: the other tasks are stopped, each with its own stop signal and timeout.
 * {@link Stop} stops them all. When every task has ended, the network is detached and the allocation's cgroup
 * removed before the allocation reports FAILED or STOPPED and this actor stops (its children with it).
 *
 * <p><b>Live restore.</b> A supervisor for an allocation an earlier agent process ran lets each task supervisor
 * look for its container (adopted, ended meanwhile, or gone) while it finds the allocation's network (set up again
 * when it is gone) and gets the images, which a task needs only to start again; its first state is derived once
 * every task has said what it found. One whose stop was requested is stopped. Stopping this actor (the agent going
 * away) leaves the containers and the network in place.
 */
public final class AllocationSupervisor extends AbstractBehavior<AllocationSupervisor.Command> {

    public sealed interface Command extends CborSerializable {}

    /** Stop every task for good. */
    public enum Stop implements Command { INSTANCE }

    /** A command for the supervisor of the task named {@code task} (logs, stats, restart, signal). */
    public record ForTask(String task, ContainerSupervisor.Command command) implements Command {}

    /**
     * A task's state, from its supervisor. The task states follow {@link AllocationState}'s transitions.
     *
     * @param complete a batch task that exited 0: done, not restarted
     */
    record TaskStateChanged(String task, AllocationState state, Integer exitCode, String detail, boolean complete)
            implements Command {}

    /**
     * A task's supervisor decided to restart it: its restart history, which the agent persists with the allocation
     * (see {@link Allocation#restarts()}). Passed on to the agent as it is.
     */
    record TaskRestartDecided(String allocationId, String task, RestartTracker.History history) implements Command {}

    private record ImageAnswered(ImageService.ImageReady ready) implements Command {}

    private record NetworkAnswered(NetworkSetup.Attachment attachment, String error) implements Command {}

    private record TaskSupervisorEnded(String task) implements Command {}

    private enum TornDown implements Command { INSTANCE }

    /**
     * PREPARING: images and network on their way; STARTED: the tasks have what they need (or, restored, look for
     * their containers); ENDING: every task is being stopped, the allocation ends when they all have.
     */
    private enum Phase { PREPARING, STARTED, ENDING }

    /** For the blocking dispatcher's threads, which must not touch the actor context. */
    private static final Logger LOG = LoggerFactory.getLogger(AllocationSupervisor.class);

    private final Allocation alloc;
    private final AgentServices services;
    private final ActorRef<AllocationStateChanged> reportTo;
    private final ActorRef<TaskRestartDecided> restartsTo;
    private final boolean restored;
    private final Executor blocking;
    private final Map<String, ActorRef<ContainerSupervisor.Command>> tasks = new LinkedHashMap<>();
    /** Each task's last state, in the allocation's task order; a restored task is absent until it reports. */
    private final Map<String, TaskStateChanged> taskStates = new LinkedHashMap<>();
    /** Tasks that reported FAILED or STOPPED, or whose supervisor died. */
    private final Set<String> ended = new LinkedHashSet<>();
    /** The image service's answers by image reference, until each task's image is in. */
    private final Map<String, ImageService.ImageReady> images = new HashMap<>();

    private Phase phase = Phase.PREPARING;
    /** The allocation's last reported state; null before the first. */
    private AllocationState state;
    private NetworkAnswered network;
    private boolean attaching;
    private boolean tearingDown;
    /** Why the allocation fails; null unless it does. */
    private String failure;

    private AllocationSupervisor(ActorContext<Command> context, Allocation alloc, AgentServices services,
                                 ActorRef<ImageService.Command> imageService, ActorRef<AllocationStateChanged> reportTo,
                                 ActorRef<TaskRestartDecided> restartsTo, boolean restored) {
        super(context);
        this.alloc = alloc;
        this.services = services;
        this.reportTo = reportTo;
        this.restartsTo = restartsTo;
        this.restored = restored;
        this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
        for (Task t : alloc.tasks()) {
            ActorRef<ContainerSupervisor.Command> ref = context.spawn(
                    ContainerSupervisor.create(alloc, t, services, context.getSelf(), restored), "task-" + t.name());
            context.watchWith(ref, new TaskSupervisorEnded(t.name()));
            tasks.put(t.name(), ref);
        }
        if (restored && alloc.stopRequested()) {
            onStop();
            return;
        }
        if (restored) {
            phase = Phase.STARTED;
            attach(true);
        } else {
            report(AllocationState.PENDING, null, "");
            report(AllocationState.PULLING, null, String.join(", ", alloc.tasks().stream().map(Task::image)
                    .distinct().toList()));
            attach(false);  // meanwhile
        }
        ActorRef<ImageService.ImageReady> answers = context.messageAdapter(ImageService.ImageReady.class,
                ImageAnswered::new);
        alloc.tasks().stream().map(Task::image).distinct()
                .forEach(image -> imageService.tell(new ImageService.Ensure(image, answers)));
    }

    /**
     * A supervisor for an allocation that is already persisted; it reports every state change of the allocation
     * to {@code reportTo}, beginning with PENDING, or for a restored one with what its tasks found, and every
     * restart its tasks' supervisors decide to {@code restartsTo}, before the restart's state changes.
     *
     * @param restored whether an earlier agent process ran it: its containers are adopted where they run
     */
    static Behavior<Command> create(Allocation alloc, AgentServices services, ActorRef<ImageService.Command> images,
                                    ActorRef<AllocationStateChanged> reportTo, ActorRef<TaskRestartDecided> restartsTo,
                                    boolean restored) {
        return Behaviors.setup(ctx -> new AllocationSupervisor(ctx, alloc, services, images, reportTo, restartsTo,
                restored));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessageEquals(Stop.INSTANCE, this::onStop)
                .onMessage(ForTask.class, this::onForTask)
                .onMessage(TaskStateChanged.class, this::onTaskStateChanged)
                .onMessage(TaskRestartDecided.class, this::onTaskRestartDecided)
                .onMessage(ImageAnswered.class, this::onImageAnswered)
                .onMessage(NetworkAnswered.class, this::onNetworkAnswered)
                .onMessage(TaskSupervisorEnded.class, this::onTaskSupervisorEnded)
                .onMessageEquals(TornDown.INSTANCE, this::onTornDown)
                .build();
    }

    private void report(AllocationState to, Integer exitCode, String detail) {
        state = state == null ? to : state.checkTransition(alloc.allocationId(), to);
        reportTo.tell(new AllocationStateChanged(alloc.allocationId(), to, exitCode, detail, services.clock().instant()));
    }

    // --- preparing: the images and the network

    private Behavior<Command> onImageAnswered(ImageAnswered m) {
        images.put(m.ready().image(), m.ready());
        if (restored) {
            handOut();
            return this;
        }
        if (phase != Phase.PREPARING) {
            return this;  // failed or stopped meanwhile
        }
        return m.ready().ok() ? maybeStart() : fail(m.ready().error());
    }

    private boolean allImagesIn() {
        return images.size() == alloc.tasks().stream().map(Task::image).distinct().count();
    }

    /**
     * Sets the allocation's network up off the actor's thread; answers with a {@link NetworkAnswered}.
     *
     * @param reuse live restore: take the network an earlier process made, setting up a new one only when it is gone
     *              (or was never completed)
     */
    private void attach(boolean reuse) {
        attaching = true;
        Path dir = Allocation.dir(services.config(), alloc.allocationId()).resolve("net");
        CompletableFuture<NetworkAnswered> f = CompletableFuture.supplyAsync(() -> {
            try {
                Optional<NetworkSetup.Attachment> found = reuse ? services.network().find(alloc.allocationId())
                        : Optional.empty();
                if (found.isPresent()) {
                    return new NetworkAnswered(found.get(), null);
                }
                if (reuse) {
                    services.network().detach(alloc.allocationId());  // what a half-done setup left
                }
                return new NetworkAnswered(services.network().attach(alloc.allocationId(), alloc.tasks(),
                        alloc.hostPorts(), Files.createDirectories(dir)), null);
            } catch (Exception e) {
                return new NetworkAnswered(null, e.getMessage() == null ? e.toString() : e.getMessage());
            }
        }, blocking);
        getContext().pipeToSelf(f, (answer, ex) -> answer != null ? answer : new NetworkAnswered(null, ex.toString()));
    }

    private Behavior<Command> onNetworkAnswered(NetworkAnswered m) {
        attaching = false;
        network = m;
        if (phase == Phase.ENDING) {
            return maybeEnd();
        }
        if (restored) {
            handOut();
            return this;
        }
        return m.error() != null ? fail(m.error()) : maybeStart();
    }

    /** A fresh allocation starts its tasks once every image and the network are in. */
    private Behavior<Command> maybeStart() {
        if (network == null || !allImagesIn()) {
            return this;
        }
        phase = Phase.STARTED;
        report(AllocationState.STARTING, null, "");
        for (Task t : alloc.tasks()) {
            // what the derived state counts until each reports
            taskStates.put(t.name(), new TaskStateChanged(t.name(), AllocationState.STARTING, null, "", false));
        }
        handOut();
        return this;
    }

    /** Gives every task its image and the network once both are in (a task that cannot have them fails). */
    private void handOut() {
        if (network == null || !allImagesIn()) {
            return;
        }
        for (Task t : alloc.tasks()) {
            ImageService.ImageReady image = images.get(t.image());
            String error = !image.ok() ? image.error() : network.error();
            tasks.get(t.name()).tell(error != null ? new ContainerSupervisor.Prepared(null, null, error)
                    : new ContainerSupervisor.Prepared(image.resolved(), network.attachment(), null));
        }
    }

    // --- the tasks' states

    private Behavior<Command> onTaskStateChanged(TaskStateChanged c) {
        taskStates.put(c.task(), c);
        if (c.state().terminal()) {
            ended.add(c.task());
        }
        if (phase == Phase.ENDING) {
            return maybeEnd();
        }
        if (c.state() == AllocationState.FAILED || c.state() == AllocationState.STOPPED) {
            return fail(about(c.task(), c.detail()));
        }
        derive(c);
        return this;
    }

    private Behavior<Command> onTaskRestartDecided(TaskRestartDecided d) {
        restartsTo.tell(d);
        return this;
    }

    /**
     * Reports the state the tasks' states make, when it differs from the last reported one: EXITED or OOM_KILLED
     * while a task that ended waits for its restart; else the least advanced of PENDING, PULLING and STARTING
     * while a task is in one; else UNHEALTHY while a task is; else RUNNING; and EXITED 0 once every task is
     * complete (batch). Complete tasks do not count otherwise. A restored allocation reports once every task has
     * reported. Where the step is not a legal transition it goes through RUNNING (STARTING to UNHEALTHY) or waits
     * for the next task report (a restored task's PULLING after another's EXITED).
     *
     * @param last the report that changed the tasks' states: its detail goes with a RUNNING it brings
     */
    private void derive(TaskStateChanged last) {
        if (taskStates.size() < tasks.size()) {
            return;
        }
        List<TaskStateChanged> counted = taskStates.values().stream().filter(t -> !t.complete()).toList();
        TaskStateChanged by = null;
        AllocationState next = null;
        Integer code = null;
        String detail;
        if (counted.isEmpty()) {
            next = AllocationState.EXITED;
            code = 0;
            detail = tasks.size() == 1 ? last.detail() : "every task is complete";
        } else {
            by = counted.stream().filter(t -> t.state() == AllocationState.EXITED
                    || t.state() == AllocationState.OOM_KILLED).findFirst().orElse(null);
            if (by == null) {
                by = counted.stream().filter(t -> t.state().ordinal() <= AllocationState.STARTING.ordinal())
                        .min((a, b) -> a.state().compareTo(b.state())).orElse(null);
            }
            if (by == null) {
                by = counted.stream().filter(t -> t.state() == AllocationState.UNHEALTHY).findFirst().orElse(null);
            }
            if (by == null) {
                next = AllocationState.RUNNING;
                detail = last.state() == AllocationState.RUNNING && !last.detail().isEmpty()
                        ? about(last.task(), last.detail()) : "";
            } else {
                next = by.state();
                code = by.exitCode();
                detail = about(by.task(), by.detail());
            }
        }
        if (next == state) {
            return;
        }
        if (state == null || legal(state, next)) {
            report(next, code, detail);
        } else if (next == AllocationState.UNHEALTHY && legal(state, AllocationState.RUNNING)) {
            report(AllocationState.RUNNING, null, "");
            report(next, code, detail);
        }
    }

    private static boolean legal(AllocationState from, AllocationState to) {
        try {
            from.checkTransition("", to);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** A task's detail as the allocation's: named after the task when the allocation has more than one. */
    private String about(String task, String detail) {
        if (tasks.size() == 1) {
            return detail;
        }
        return detail.isEmpty() ? "task " + task : "task " + task + ": " + detail;
    }

    // --- ending

    private Behavior<Command> fail(String reason) {
        failure = reason;
        return endAll();
    }

    /** Ends STOPPED, unless a failure already ends it. */
    private Behavior<Command> onStop() {
        return endAll();
    }

    /** Stops every task that has not ended; the allocation ends once they all have. */
    private Behavior<Command> endAll() {
        if (phase != Phase.ENDING) {
            phase = Phase.ENDING;
            tasks.forEach((name, ref) -> {
                if (!ended.contains(name)) {
                    ref.tell(ContainerSupervisor.Stop.INSTANCE);
                }
            });
        }
        return maybeEnd();
    }

    private Behavior<Command> maybeEnd() {
        if (ended.size() < tasks.size() || attaching || tearingDown) {
            return this;
        }
        tearingDown = true;
        CompletableFuture<TornDown> f = CompletableFuture.supplyAsync(() -> {
            try {
                services.network().detach(alloc.allocationId());
            } catch (Exception e) {
                LOG.warn("allocation {}: detaching its network failed: {}", alloc.allocationId(), e.toString());
            }
            removeCgroup(alloc.allocationId());
            return TornDown.INSTANCE;
        }, blocking);
        getContext().pipeToSelf(f, (done, ex) -> TornDown.INSTANCE);
        return this;
    }

    private Behavior<Command> onTornDown() {
        if (failure != null) {
            report(AllocationState.FAILED, null, failure);
        } else {
            report(AllocationState.STOPPED, null, endings());
        }
        return Behaviors.stopped();
    }

    /** How the tasks ended, for STOPPED: the one detail when they all say the same, else each task's. */
    private String endings() {
        List<String> details = taskStates.values().stream().map(TaskStateChanged::detail).distinct().toList();
        if (details.size() == 1) {
            return details.get(0);
        }
        List<String> each = new ArrayList<>();
        taskStates.values().forEach(t -> each.add(t.task() + ": " + t.detail()));
        return String.join("; ", each);
    }

    private Behavior<Command> onTaskSupervisorEnded(TaskSupervisorEnded e) {
        if (ended.add(e.task())) {
            // it failed with an exception: say so rather than leave the allocation hanging
            TaskStateChanged crashed = new TaskStateChanged(e.task(), AllocationState.FAILED, null,
                    "the agent's supervisor of this task crashed; see the agent log", false);
            taskStates.put(e.task(), crashed);
            return phase == Phase.ENDING ? maybeEnd() : fail(about(e.task(), crashed.detail()));
        }
        return this;
    }

    /**
     * Removes the allocation's cgroup directory (the parent of its tasks' cgroups, which the runtime removed with
     * their containers) in every cgroup hierarchy that has one.
     */
    private static void removeCgroup(String allocationId) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] halves = line.split(" - ", 2);
                String[] f = halves[0].split(" ");
                if (halves.length == 2 && f.length > 4 && halves[1].startsWith("cgroup")) {
                    Files.deleteIfExists(Path.of(f[4], Allocation.CGROUP_PARENT, allocationId));
                }
            }
        } catch (IOException e) {
            LOG.warn("allocation {}: removing its cgroup failed: {}", allocationId, e.toString());
        }
    }

    // --- commands for one task

    private Behavior<Command> onForTask(ForTask m) {
        ActorRef<ContainerSupervisor.Command> t = tasks.get(m.task());
        if (t != null) {
            t.tell(m.command());
        }
        return this;
    }
}
