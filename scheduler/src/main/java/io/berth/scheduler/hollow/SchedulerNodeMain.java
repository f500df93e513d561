package io.berth.scheduler.hollow;

import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.cluster.SchedulerCommand;
import io.berth.protocol.job.Constraint;
import io.berth.protocol.job.Job;
import io.berth.protocol.job.JobType;
import io.berth.protocol.job.NetworkMode;
import io.berth.protocol.job.Operator;
import io.berth.protocol.job.Resources;
import io.berth.protocol.job.Task;
import io.berth.protocol.job.TaskGroup;
import io.berth.scheduler.cluster.BerthCluster;
import io.berth.scheduler.cluster.ClusterSettings;
import io.berth.scheduler.control.SchedulerApi;
import io.berth.scheduler.control.SchedulerSingleton;
import io.berth.scheduler.jobs.JobStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.SelfUp;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * A scheduler node in a JVM of its own, for multi-JVM tests and the end-to-end benchmark: the actor system with
 * the cluster configuration and the role {@code scheduler}, this node's {@link JobStore}, and the scheduler
 * singleton ({@link SchedulerSingleton#init}). It is driven over {@link ChildJvm}'s line protocol, so that it needs no HTTP API.
 *
 * <p>It says {@code up <address>} once a member. Commands on stdin, each answered by one line:
 * <ul>
 *   <li>{@code job <id> <count> [distinct]}: registers a bench job ({@link #benchJob}), with distinct hosts if
 *       asked; {@code acked <id> <version>},
 *       {@code rejected <id> <reason>} or {@code failed <id> <error>}</li>
 *   <li>{@code jobs <prefix> <n> <count>}: registers jobs {@code <prefix>-0000} to {@code n - 1}, many at a time;
 *       {@code jobs-done <acked> <not acked>} once every one is answered</li>
 *   <li>{@code get <id>}: reads a job (majority read); {@code job <id> <version> <count>} or {@code job <id> unknown}</li>
 *   <li>{@code status}: asks the singleton; {@code status <leader address> nodes <n> ready <n> jobs <n> live <n>
 *       placements <n>}</li>
 *   <li>{@code placed <id>}: the job's allocations the singleton wants running;
 *       {@code placed <id> <that many> running <how many of them run> on <their nodes, comma-separated>}</li>
 *   <li>{@code running}: over every job, the allocations the singleton wants running and how many of them its
 *       agents reported RUNNING; {@code running <wanted> <running>}</li>
 *   <li>{@code oldest}: the oldest scheduler member, where the singleton runs; {@code oldest <address>}</li>
 *   <li>{@code members}: how many members are Up with each role; {@code members <schedulers> <agents>}</li>
 *   <li>{@code heap}: {@code heap <MiB>} in use after a full GC</li>
 * </ul>
 * It exits when stdin closes.
 *
 * <pre>
 * SchedulerNodeMain --name s1 --port 25520 --seeds 127.0.0.1:25520 --data-dir /tmp/s1 [--host 127.0.0.1]
 * </pre>
 */
public final class SchedulerNodeMain {
    private static final Set<String> OPTIONS = Set.of("name", "port", "seeds", "data-dir", "host");
    private static final Duration ASK = Duration.ofSeconds(15);
    /**
     * Registrations in flight at once for {@code jobs}, as many clients would have: enough to keep the majority
     * writes busy even when each takes seconds.
     */
    private static final int PARALLEL_REGISTRATIONS = 32;

    private final ActorSystem<?> system;
    private final ActorRef<JobStore.Command> jobs;
    private final ActorRef<SchedulerCommand> scheduler;

    private SchedulerNodeMain(ActorSystem<?> system, ActorRef<JobStore.Command> jobs,
                              ActorRef<SchedulerCommand> scheduler) {
        this.system = system;
        this.jobs = jobs;
        this.scheduler = scheduler;
    }

    public static void main(String[] argv) {
        ClusterSettings cluster;
        try {
            MainArgs args = new MainArgs("SchedulerNodeMain", argv, OPTIONS);
            cluster = new ClusterSettings(args.required("name"), args.string("host", "127.0.0.1"),
                    Integer.parseInt(args.required("port")), EnumSet.of(ClusterSettings.Role.SCHEDULER),
                    args.list("seeds"), Path.of(args.required("data-dir")), true);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        CompletableFuture<ActorRef<JobStore.Command>> store = new CompletableFuture<>();
        ActorSystem<SelfUp> system = BerthCluster.start(cluster, guardian(store), HollowCluster.heavyTraffic());
        ActorRef<JobStore.Command> jobs = store.join();
        SchedulerNodeMain node = new SchedulerNodeMain(system, jobs, SchedulerSingleton.init(system, jobs));
        ChildJvm.readCommands(node::command);
        system.getWhenTerminated().toCompletableFuture().join();
    }

    private static Behavior<SelfUp> guardian(CompletableFuture<ActorRef<JobStore.Command>> store) {
        return Behaviors.setup(ctx -> {
            store.complete(ctx.spawn(JobStore.create(), "jobs"));
            Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(ctx.getSelf(), SelfUp.class));
            return Behaviors.receiveMessage(up -> {
                ChildJvm.say("up " + Cluster.get(ctx.getSystem()).selfMember().address());
                return Behaviors.ignore();
            });
        });
    }

    /**
     * A service job of one group of {@code count} instances of a small task (20 MHz, 32 MiB, no network): 5,000
     * nodes of 4,000 MHz hold a thousand such jobs of 100 with room to spare.
     *
     * @param distinctHosts at most one instance per node
     */
    public static Job benchJob(String id, int count, boolean distinctHosts) {
        Task task = new Task("app", "registry.example/bench/app:1", List.of("/app"), null, null,
                new Resources(20, 32, 0), NetworkMode.NONE, null, null, null, null, null, null, null);
        TaskGroup group = new TaskGroup("app", count, List.of(task),
                distinctHosts ? List.of(new Constraint(null, Operator.DISTINCT_HOSTS, null)) : null,
                null, null, null, null, null);
        return new Job(id, JobType.SERVICE, null, null, null, List.of(group), null, null, null, null, null, null);
    }

    private void command(String line) {
        String[] w = line.split(" ");
        try {
            switch (w[0]) {
                case "job" -> register(w[1], Integer.parseInt(w[2]), w.length > 3 && w[3].equals("distinct"))
                        .thenAccept(ChildJvm::say);
                case "jobs" -> registerMany(w[1], Integer.parseInt(w[2]), Integer.parseInt(w[3]));
                case "get" -> get(w[1]);
                case "status" -> status();
                case "placed" -> placed(w[1]);
                case "running" -> running();
                case "oldest" -> ChildJvm.say("oldest " + oldestScheduler());
                case "members" -> ChildJvm.say("members " + upMembers("scheduler") + " " + upMembers("agent"));
                case "heap" -> ChildJvm.say("heap " + HollowCluster.usedHeapMb());
                default -> ChildJvm.say("error unknown command '" + line + "' (job, jobs, get, status, placed, running, oldest, members, heap)");
            }
        } catch (RuntimeException e) {
            ChildJvm.say("error '" + line + "': " + e);
        }
    }

    /** Registers a bench job; completes with the answer line, never exceptionally. */
    private CompletionStage<String> register(String id, int count, boolean distinctHosts) {
        return AskPattern.<JobStore.Command, JobStore.RegisterReply>ask(jobs,
                        replyTo -> new JobStore.Register(benchJob(id, count, distinctHosts), replyTo), ASK, system.scheduler())
                .handle((reply, error) -> {
                    if (reply instanceof JobStore.Registered r) {
                        return "acked " + r.jobId() + " " + r.version();
                    }
                    if (reply instanceof JobStore.Rejected r) {
                        return "rejected " + r.jobId() + " " + r.reason();
                    }
                    return "failed " + id + " " + error;
                });
    }

    private void registerMany(String prefix, int n, int count) {
        Semaphore inFlight = new Semaphore(PARALLEL_REGISTRATIONS);
        AtomicInteger acked = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        Thread t = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                inFlight.acquireUninterruptibly();
                register(String.format("%s-%04d", prefix, i), count, false).thenAccept(answer -> {
                    if (answer.startsWith("acked ")) {
                        acked.incrementAndGet();
                    } else {
                        ChildJvm.say(answer);
                    }
                    inFlight.release();
                    if (answered.incrementAndGet() == n) {
                        ChildJvm.say("jobs-done " + acked.get() + " " + (n - acked.get()));
                    }
                });
            }
        }, "register-" + prefix);
        t.setDaemon(true);
        t.start();
    }

    private void get(String id) {
        AskPattern.<JobStore.Command, JobStore.GetReply>ask(jobs, replyTo -> new JobStore.Get(id, replyTo), ASK,
                system.scheduler()).whenComplete((reply, error) -> {
                    if (error != null) {
                        ChildJvm.say("failed " + id + " " + error);
                    } else if (reply.record() == null) {
                        ChildJvm.say("job " + id + " unknown");
                    } else {
                        Job job = reply.record().latest().job();
                        ChildJvm.say("job " + id + " " + reply.record().latest().version() + " "
                                + job.groups().get(0).count());
                    }
                });
    }

    private long upMembers(String role) {
        long n = 0;
        for (Member m : Cluster.get(system).state().getMembers()) {
            if (m.status() == MemberStatus.up() && m.hasRole(role)) {
                n++;
            }
        }
        return n;
    }

    private void status() {
        AskPattern.<SchedulerCommand, SchedulerApi.SchedulerStatus>ask(scheduler, SchedulerApi.GetStatus::new, ASK,
                system.scheduler()).whenComplete((s, error) -> ChildJvm.say(error != null ? "failed status " + error
                        : "status " + s.leader() + " nodes " + s.nodes() + " ready " + s.readyNodes() + " jobs "
                        + s.jobs() + " live " + s.liveAllocations() + " placements " + s.placementsTotal()));
    }

    private void placed(String jobId) {
        AskPattern.<SchedulerCommand, SchedulerApi.AllocationList>ask(scheduler,
                replyTo -> new SchedulerApi.GetAllocations(jobId, replyTo), ASK, system.scheduler())
                .whenComplete((list, error) -> {
                    if (error != null) {
                        ChildJvm.say("failed placed " + jobId + " " + error);
                        return;
                    }
                    List<SchedulerApi.AllocationView> wanted = list.allocations().stream()
                            .filter(a -> a.desiredStatus().equals("run")).toList();
                    List<String> running = wanted.stream().filter(a -> a.state() == AllocationState.RUNNING)
                            .map(SchedulerApi.AllocationView::node).toList();
                    ChildJvm.say("placed " + jobId + " " + wanted.size() + " running " + running.size() + " on "
                            + (running.isEmpty() ? "-" : String.join(",", running)));
                });
    }

    private void running() {
        AskPattern.<SchedulerCommand, SchedulerApi.AllocationList>ask(scheduler,
                replyTo -> new SchedulerApi.GetAllocations(null, replyTo), ASK, system.scheduler())
                .whenComplete((list, error) -> {
                    if (error != null) {
                        ChildJvm.say("failed running " + error);
                        return;
                    }
                    long wanted = 0;
                    long running = 0;
                    for (SchedulerApi.AllocationView a : list.allocations()) {
                        if (a.desiredStatus().equals("run")) {
                            wanted++;
                            running += a.state() == AllocationState.RUNNING ? 1 : 0;
                        }
                    }
                    ChildJvm.say("running " + wanted + " " + running);
                });
    }

    /** The address of the oldest Up member with the scheduler role: the singleton's host. */
    private String oldestScheduler() {
        Member oldest = null;
        for (Member m : Cluster.get(system).state().getMembers()) {
            if (m.status() == MemberStatus.up() && m.hasRole("scheduler")
                    && (oldest == null || m.isOlderThan(oldest))) {
                oldest = m;
            }
        }
        return oldest == null ? "none" : oldest.address().toString();
    }
}
