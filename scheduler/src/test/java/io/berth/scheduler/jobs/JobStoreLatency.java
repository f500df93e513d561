package io.berth.scheduler.jobs;

import io.berth.protocol.job.Job;
import io.berth.scheduler.cluster.BerthCluster;
import io.berth.scheduler.cluster.ClusterSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Measures the job store on a one-node cluster (a {@code berth dev} node, RocksDB fsync included): register
 * latency at a fixed arrival rate (open loop), then the latency of listing every job. Not a test (it takes about a
 * minute); run it with
 * {@code ./mvnw -B -pl scheduler exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.berth.scheduler.jobs.JobStoreLatency -Dexec.args="10000 200"} (jobs, registrations/s).
 * The API's benchmark ({@code berth bench api}) measures the same through HTTP.
 */
public final class JobStoreLatency {
    private JobStoreLatency() {}

    public static void main(String[] args) throws Exception {
        int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        List<Job> specs = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            specs.add(TestJobs.web(String.format("job-%05d", i), 1 + i % 5, "hello"));
        }
        Path dir = Files.createTempDirectory("berth-jobstore-latency");
        ClusterSettings settings = new ClusterSettings("bench", "127.0.0.1", 0,
                java.util.EnumSet.allOf(ClusterSettings.Role.class), List.of(), dir, false);
        ActorSystem<SpawnProtocol.Command> system = BerthCluster.start(settings, SpawnProtocol.create(),
                com.typesafe.config.ConfigFactory.parseString("pekko.loglevel = WARNING"));
        try {
            while (Cluster.get(system).selfMember().status() != MemberStatus.up()) {
                Thread.sleep(50);
            }
            ActorRef<JobStore.Command> store = AskPattern.<SpawnProtocol.Command, ActorRef<JobStore.Command>>ask(
                    system, replyTo -> new SpawnProtocol.Spawn<>(JobStore.create(), "jobs",
                            org.apache.pekko.actor.typed.Props.empty(), replyTo), Duration.ofSeconds(10),
                    system.scheduler()).toCompletableFuture().get();

            // closed loop first (one at a time): the service time and CPU cost of a registration, and warm-up
            int sequential = Math.min(1000, jobs / 5);
            var os = (com.sun.management.OperatingSystemMXBean)
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            List<Long> sequentialNanos = new ArrayList<>();
            long cpu0 = os.getProcessCpuTime();
            for (int i = 0; i < sequential; i++) {
                long sent = System.nanoTime();
                int n = i;
                AskPattern.<JobStore.Command, JobStore.RegisterReply>ask(store,
                        replyTo -> new JobStore.Register(specs.get(n), replyTo), Duration.ofSeconds(30),
                        system.scheduler()).toCompletableFuture().get();
                sequentialNanos.add(System.nanoTime() - sent);
            }
            System.out.printf("register one at a time: %d jobs, CPU %.2f ms per registration (whole process); %s%n",
                    sequential, (os.getProcessCpuTime() - cpu0) / 1e6 / sequential, percentiles(sequentialNanos));

            ConcurrentLinkedQueue<Long> registerNanos = new ConcurrentLinkedQueue<>();
            AtomicInteger rejected = new AtomicInteger();
            CompletableFuture<Void> done = new CompletableFuture<>();
            AtomicInteger next = new AtomicInteger(sequential);
            int open = jobs - sequential;
            AtomicInteger answered = new AtomicInteger();
            ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
            long start = System.nanoTime();
            clock.scheduleAtFixedRate(() -> {
                int i = next.getAndIncrement();
                if (i >= jobs) {
                    return;
                }
                long sent = System.nanoTime();
                AskPattern.<JobStore.Command, JobStore.RegisterReply>ask(store,
                        replyTo -> new JobStore.Register(specs.get(i), replyTo), Duration.ofSeconds(30),
                        system.scheduler()).whenComplete((reply, failure) -> {
                            registerNanos.add(System.nanoTime() - sent);
                            if (!(reply instanceof JobStore.Registered)) {
                                rejected.incrementAndGet();
                            }
                            if (answered.incrementAndGet() == open) {
                                done.complete(null);
                            }
                        });
            }, 0, 1_000_000_000L / rate, TimeUnit.NANOSECONDS);
            done.get(open / rate + 120, TimeUnit.SECONDS);
            clock.shutdownNow();
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("register at a fixed rate: %d jobs at %d/s in %.1f s, %d rejected; %s%n", open, rate,
                    seconds,
                    rejected.get(), percentiles(new ArrayList<>(registerNanos)));

            List<Long> listNanos = new ArrayList<>();
            int listed = 0;
            for (int i = 0; i < 300; i++) {
                long sent = System.nanoTime();
                listed = AskPattern.<JobStore.Command, JobStore.JobList>ask(store, JobStore.ListJobs::new,
                        Duration.ofSeconds(10), system.scheduler()).toCompletableFuture().get().jobs().size();
                listNanos.add(System.nanoTime() - sent);
            }
            System.out.printf("list: %d jobs, 300 times (first 50 are warm-up); %s%n", listed,
                    percentiles(listNanos.subList(50, listNanos.size())));
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private static String percentiles(List<Long> nanos) {
        Collections.sort(nanos);
        return String.format("p50 %.2f ms, p99 %.2f ms, max %.2f ms", ms(nanos, 0.50), ms(nanos, 0.99),
                nanos.get(nanos.size() - 1) / 1e6);
    }

    private static double ms(List<Long> sorted, double p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1)) / 1e6;
    }
}
