package io.berth.ops.bench;

import com.typesafe.config.ConfigFactory;
import io.berth.protocol.cluster.SchedulerCommand;
import io.berth.scheduler.api.ApiServer;
import io.berth.scheduler.api.ApiSettings;
import io.berth.scheduler.cluster.BerthCluster;
import io.berth.scheduler.cluster.ClusterSettings;
import io.berth.scheduler.control.SchedulerSingleton;
import io.berth.scheduler.jobs.JobStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code berth bench api}: the HTTP API of a dev-mode scheduler in this JVM (a one-node cluster with the job store
 * on RocksDB in a temporary directory, the scheduler singleton and the API on loopback; no agent, so nothing is
 * placed). Each measured phase meets a warm server, as in service: the JIT compiles the register and listing
 * paths over their first tens of thousands of calls, and again when the traffic changes shape, so each is measured
 * on the second of two identical rounds. Unmeasured registrations fill the store first, so the measured ones meet
 * 6,000 to 10,000 jobs by default. Registrations come at a fixed rate from concurrent requests (open loop: each
 * request's latency counts from when it was due, so a stalled server cannot hide behind fewer requests); the
 * listings of all the jobs come from several clients at once.
 */
@Command(name = "api", description = "Benchmark the HTTP API against a dev-mode scheduler in this JVM: job register "
        + "latency at a fixed rate, listing latency with 10,000 jobs.")
public final class ApiBench implements Callable<Integer> {
    /** The floors. */
    private static final double REGISTER_P99_FLOOR_MS = 20;
    private static final double LIST_P99_FLOOR_MS = 50;
    /** Requests open at once at most in the fixed-rate phase, like a client's connection pool. */
    private static final int MAX_IN_FLIGHT = 256;
    /** The job each registration sends, around its id (see {@link #job}). */
    private static final String JOB_HEAD = "{\"id\": \"bench-";
    private static final String JOB_TAIL = """
            ", "type": "service", "priority": 50, "datacenters": ["dc1"],
             "groups": [{"name": "web", "count": 3, "tasks": [{"name": "httpd",
               "image": "docker.io/library/busybox:1.36", "command": ["httpd", "-f", "-p", "8080"],
               "resources": {"cpu_mhz": 100, "memory_mb": 32}, "network": "bridge",
               "ports": [{"label": "http", "to": 8080}],
               "checks": [{"type": "http", "port": "http", "path": "/", "interval": "5s", "timeout": "1s"}]}]}]}
            """;

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON object: register_p50_ms, register_p99_ms, list_p99_ms "
            + "(and the run's sizes, the load and the CPU time per request of each phase).")
    boolean json;

    @Option(names = "--rate", paramLabel = "N", description = "Registrations per second (default: ${DEFAULT-VALUE}).")
    int rate = 200;

    @Option(names = "--seconds", paramLabel = "N", description = "How long registrations are measured "
            + "(default: ${DEFAULT-VALUE}).")
    int seconds = 20;

    @Option(names = "--jobs", paramLabel = "N", description = "Jobs in the store when listing (default: ${DEFAULT-VALUE}).")
    int jobs = 10_000;

    @Option(names = "--lists", paramLabel = "N", description = "Listings measured (default: ${DEFAULT-VALUE}).")
    int lists = 200;

    @Option(names = "--list-clients", paramLabel = "N", description = "Clients listing at once (default: ${DEFAULT-VALUE}).")
    int listClients = 4;

    /**
     * Made when the benchmark runs, not with the object: every berth command builds every command object, and an
     * HTTP client (its TLS context, its selector thread) costs a second of CPU at each start.
     */
    private HttpClient http;

    @Override
    public Integer call() throws Exception {
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newFixedThreadPool(8, r -> {
                    Thread t = new Thread(r, "bench-http");
                    t.setDaemon(true);
                    return t;
                })).build();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter progress = spec.commandLine().getErr();
        if (rate < 1 || seconds < 1 || lists < 1 || listClients < 1 || jobs < 2 * rate * seconds) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--rate, --seconds, --lists and --list-clients must be at least 1, and --jobs at least 2 x rate x seconds (a warm-up round and the measured one)");
        }
        Path work = Files.createTempDirectory("berth-bench-api");
        ActorSystem<Void> system = null;
        try {
            system = BerthCluster.start(new ClusterSettings("bench", "127.0.0.1", 0,
                    EnumSet.of(ClusterSettings.Role.SCHEDULER), List.of(), work, false), Behaviors.empty(),
                    ConfigFactory.parseString("pekko.loglevel = WARNING\n"
                            + "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off"));
            awaitUp(system);
            ActorRef<JobStore.Command> store = system.systemActorOf(JobStore.create(), "job-store", Props.empty());
            ActorRef<SchedulerCommand> scheduler = SchedulerSingleton.init(system, store);
            try (ApiServer server = ApiServer.start(system, ApiSettings.loopback(0), store, scheduler)) {
                URI base = URI.create(server.url());
                AtomicInteger ids = new AtomicInteger();
                // the JIT compiles the register path over its first tens of thousands of calls, and recompiles it
                // when the traffic changes shape: the store is filled fast up to what two rounds at the rate leave,
                // then an unmeasured round at the rate, then the measured one (a warm server, as in service, that
                // meets a store of 6,000 to 10,000 jobs by default)
                int warmUp = jobs - 2 * rate * seconds;
                if (warmUp > 0) {
                    progress.printf(Locale.ROOT, "warming up: %,d registrations%n", warmUp);
                    progress.flush();
                    fill(base, ids, warmUp, 16, progress);
                }
                progress.printf(Locale.ROOT, "warming up: registering at %d/s for %d s%n", rate, seconds);
                progress.flush();
                RateRun warmRound = registerAtRate(base, ids);
                if (warmRound.failures() > 0) {
                    progress.printf(Locale.ROOT, "%,d warm-up registrations failed, the first: %s%n",
                            warmRound.failures(), warmRound.firstFailure());
                }
                progress.printf(Locale.ROOT, "registering at %d/s for %d s%n", rate, seconds);
                progress.flush();
                Phase registering = Phase.start();
                RateRun run = registerAtRate(base, ids);
                registering = registering.end(rate * seconds);
                if (run.failures() > 0) {
                    progress.printf(Locale.ROOT, "%,d registrations failed, the first: %s%n", run.failures(),
                            run.firstFailure());
                }
                Percentiles register = Percentiles.of(run.latencies());
                int left = jobs - ids.get();
                if (left > 0) {
                    progress.printf(Locale.ROOT, "filling the store to %,d jobs%n", jobs);
                    progress.flush();
                    fill(base, ids, left, 16, progress);
                }
                // the listing path, the server's and the client's, is compiled by the JIT while it runs: an
                // unmeasured round of the same shape first, so the figures are a warm server's, as in service
                progress.printf(Locale.ROOT, "warming up: listing %,d jobs %d times from %d clients%n", jobs, lists,
                        listClients);
                progress.flush();
                listConcurrently(base);
                progress.printf(Locale.ROOT, "listing %,d jobs %d times from %d clients%n", jobs, lists, listClients);
                progress.flush();
                Phase listingPhase = Phase.start();
                Percentiles listing = Percentiles.of(listConcurrently(base));
                listingPhase = listingPhase.end(lists);
                if (json) {
                    out.printf(Locale.ROOT, "{\"register_p50_ms\": %.2f, \"register_p99_ms\": %.2f, "
                                    + "\"list_p50_ms\": %.2f, \"list_p99_ms\": %.2f, \"register_rate\": %d, "
                                    + "\"register_requests\": %d, \"register_failures\": %d, \"list_jobs\": %d, "
                                    + "\"list_requests\": %d, \"register_load\": %.2f, \"register_cpu_ms\": %.2f, "
                                    + "\"list_load\": %.2f, \"list_cpu_ms\": %.2f}%n",
                            register.p50(), register.p99(), listing.p50(), listing.p99(), rate, rate * seconds,
                            run.failures(), jobs, lists, registering.load(), registering.cpuMsEach(),
                            listingPhase.load(), listingPhase.cpuMsEach());
                } else {
                    out.printf(Locale.ROOT, "register at %d/s (%,d jobs, %,d failed): p50 %.2f ms, p90 %.2f ms, "
                                    + "p99 %.2f ms%n", rate, rate * seconds, run.failures(), register.p50(),
                            register.p90(), register.p99());
                    out.printf(Locale.ROOT, "  load %.2f; %.2f ms of CPU each (this JVM: server and client)%n",
                            registering.load(), registering.cpuMsEach());
                    out.printf(Locale.ROOT, "list %,d jobs (%d clients): p50 %.2f ms, p90 %.2f ms, p99 %.2f ms%n",
                            jobs, listClients, listing.p50(), listing.p90(), listing.p99());
                    out.printf(Locale.ROOT, "  load %.2f; %.2f ms of CPU each (this JVM: server and client)%n",
                            listingPhase.load(), listingPhase.cpuMsEach());
                    out.printf(Locale.ROOT, "register p99 under %.0f ms (the floor): %s%n", REGISTER_P99_FLOOR_MS,
                            register.p99() < REGISTER_P99_FLOOR_MS && run.failures() == 0 ? "met" : "MISSED");
                    out.printf(Locale.ROOT, "list p99 under %.0f ms (the floor): %s%n", LIST_P99_FLOOR_MS,
                            listing.p99() < LIST_P99_FLOOR_MS ? "met" : "MISSED");
                }
                out.flush();
            }
            return 0;
        } finally {
            if (system != null) {
                system.terminate();
                system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            deleteTree(work);
        }
    }

    /**
     * The machine's load and this JVM's CPU time over a phase. Latencies on a shared machine follow its load
     * (the one-minute average of runnable threads, from /proc/loadavg, at the phase's end); the CPU time a request
     * costs hardly does, so both are printed beside the latencies.
     */
    private record Phase(long startCpuNanos, double load, double cpuMsEach) {
        static Phase start() {
            return new Phase(cpuNanos(), -1, -1);
        }

        Phase end(int requests) {
            return new Phase(startCpuNanos, loadAverage(), (cpuNanos() - startCpuNanos) / 1e6 / requests);
        }

        private static long cpuNanos() {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
        }

        /** The one-minute load average, or -1 where /proc/loadavg cannot be read. */
        private static double loadAverage() {
            try {
                return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }
    }

    /** What the fixed-rate phase measured: latencies of the registrations answered 201, and how many failed. */
    private record RateRun(List<Double> latencies, int failures, String firstFailure) {}

    /**
     * Registers {@code rate} new jobs a second for {@code seconds}; each latency counted from when it was due.
     * At most {@link #MAX_IN_FLIGHT} requests are open at once (a real client pool's limit); a request that has
     * to wait for a free one still counts from when it was due.
     */
    private RateRun registerAtRate(URI base, AtomicInteger ids) throws Exception {
        int total = rate * seconds;
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>(total));
        AtomicInteger failures = new AtomicInteger();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
        CountDownLatch done = new CountDownLatch(total);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        ExecutorService senders = Executors.newCachedThreadPool();
        try {
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
            long intervalNanos = TimeUnit.SECONDS.toNanos(1) / rate;
            for (int i = 0; i < total; i++) {
                long due = start + i * intervalNanos;
                ticker.schedule(() -> senders.execute(() -> {
                    inFlight.acquireUninterruptibly();
                    try {
                        register(base, ids.incrementAndGet());
                        latencies.add((System.nanoTime() - due) / 1e6);
                    } catch (RuntimeException failure) {
                        failures.incrementAndGet();
                        firstFailure.compareAndSet(null, failure.toString());
                    } finally {
                        inFlight.release();
                        done.countDown();
                    }
                }), due - System.nanoTime(), TimeUnit.NANOSECONDS);
            }
            if (!done.await(seconds + 120L, TimeUnit.SECONDS)) {
                throw new IllegalStateException("registrations still open two minutes after the last was due");
            }
        } finally {
            ticker.shutdownNow();
            senders.shutdownNow();
        }
        return new RateRun(latencies, failures.get(), firstFailure.get());
    }

    /** Registers {@code count} new jobs from {@code concurrency} clients at once, as fast as the API takes them. */
    private void fill(URI base, AtomicInteger ids, int count, int concurrency, PrintWriter progress) throws Exception {
        long start = System.nanoTime();
        AtomicInteger left = new AtomicInteger(count);
        ExecutorService clients = Executors.newFixedThreadPool(concurrency);
        try {
            List<Future<?>> running = new ArrayList<>(concurrency);
            for (int c = 0; c < concurrency; c++) {
                running.add(clients.submit(() -> {
                    while (left.getAndDecrement() > 0) {
                        register(base, ids.incrementAndGet());
                    }
                }));
            }
            for (Future<?> client : running) {
                client.get(10, TimeUnit.MINUTES);
            }
        } finally {
            clients.shutdownNow();
        }
        double took = (System.nanoTime() - start) / 1e9;
        progress.printf(Locale.ROOT, "  %,d registered in %.1f s (%.0f/s)%n", count, took, count / took);
        progress.flush();
    }

    private List<Double> listConcurrently(URI base) throws Exception {
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>(lists));
        AtomicInteger left = new AtomicInteger(lists);
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int c = 0; c < listClients; c++) {
            clients.add(CompletableFuture.runAsync(() -> {
                while (left.getAndDecrement() > 0) {
                    long start = System.nanoTime();
                    list(base);
                    latencies.add((System.nanoTime() - start) / 1e6);
                }
            }));
        }
        CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
        return latencies;
    }

    /**
     * Registers job {@code n}, waiting for the answer. Requests are sent synchronously from the bench's own
     * threads: {@code sendAsync} completes its future on the common pool, which on two cores starts a new thread
     * for every answer, and that cost landed in every latency measured and in the CPU figures.
     */
    private void register(URI base, int n) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/jobs"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(job(n)))
                .timeout(Duration.ofSeconds(60)).build();
        HttpResponse<String> response = send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw new IllegalStateException("register answered " + response.statusCode() + ": " + response.body());
        }
    }

    private void list(URI base) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/jobs")).timeout(Duration.ofSeconds(30)).build();
        HttpResponse<byte[]> response = send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("list answered " + response.statusCode());
        }
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body) {
        try {
            return http.send(request, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A service job like ops/examples/web.json, with the id {@code bench-NNNNNN}. Joined from constants: a
     * formatter per request cost the bench's client a few percent of the CPU it measures.
     */
    private static String job(int n) {
        String digits = Integer.toString(n);
        return JOB_HEAD + "000000".substring(Math.min(digits.length(), 6)) + digits + JOB_TAIL;
    }

    private static void awaitUp(ActorSystem<?> system) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (Cluster.get(system).selfMember().status() != MemberStatus.up()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the bench's one-node cluster did not come up within 30 s");
            }
            Thread.sleep(50);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary directory is harmless
        }
    }
}
