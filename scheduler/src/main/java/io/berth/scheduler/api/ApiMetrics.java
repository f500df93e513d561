package io.berth.scheduler.api;

import io.berth.protocol.cluster.AllocationState;
import io.berth.scheduler.control.SchedulerApi;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's Prometheus registry: API latency per route and status, the scheduler's counters and gauges (copied
 * from the singleton's status at each scrape, so they are as fresh as the scrape), allocations by state, image
 * pull times from the allocations' histories, and the JVM. The registry is also added to Micrometer's global registry, so what other parts of this JVM record there
 * (image pulls of an agent running in the same JVM, in dev mode) shows up too. Thread-safe.
 */
final class ApiMetrics implements AutoCloseable {
    /** What a request timer is tagged with. */
    private record RequestKey(String method, String route, int status) {}

    private static final int TIMED_PULLS = 100_000;

    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicLong placements = new AtomicLong();
    private final AtomicLong stops = new AtomicLong();
    private final AtomicLong evaluations = new AtomicLong();
    private final AtomicLong queueDepth = new AtomicLong();
    private final AtomicLong blocked = new AtomicLong();
    private final AtomicLong nodes = new AtomicLong();
    private final AtomicLong readyNodes = new AtomicLong();
    private final AtomicLong jobs = new AtomicLong();
    private final Map<AllocationState, AtomicLong> byState = new EnumMap<>(AllocationState.class);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    /** The request timers, found once each: building and registering one per request cost about 1.4% of a register. */
    private final Map<RequestKey, Timer> requestTimers = new ConcurrentHashMap<>();
    private final Timer pulls = Timer.builder("berth.image.pulls")
            .description("time allocations spent pulling their image, from PULLING to STARTING in the "
                    + "allocation's history").publishPercentileHistogram().register(registry);
    /** Allocations whose pull is already in {@link #pulls}, the newest {@value #TIMED_PULLS} of them. */
    private final Set<String> timedPulls = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > TIMED_PULLS;
        }
    });

    ApiMetrics() {
        FunctionCounter.builder("berth.scheduler.placements", placements, AtomicLong::doubleValue)
                .description("allocations placed by the scheduler since it started on its node").register(registry);
        FunctionCounter.builder("berth.scheduler.stops", stops, AtomicLong::doubleValue)
                .description("allocations stopped by the scheduler since it started on its node").register(registry);
        FunctionCounter.builder("berth.scheduler.evaluations", evaluations, AtomicLong::doubleValue)
                .description("evaluations processed since the scheduler started on its node").register(registry);
        Gauge.builder("berth.scheduler.evaluation.queue.depth", queueDepth, AtomicLong::doubleValue)
                .description("evaluations waiting to run").register(registry);
        Gauge.builder("berth.scheduler.evaluations.blocked", blocked, AtomicLong::doubleValue)
                .description("evaluations waiting for capacity").register(registry);
        Gauge.builder("berth.nodes", nodes, AtomicLong::doubleValue).description("nodes the scheduler knows")
                .register(registry);
        Gauge.builder("berth.nodes.ready", readyNodes, AtomicLong::doubleValue).description("nodes that are ready")
                .register(registry);
        Gauge.builder("berth.jobs", jobs, AtomicLong::doubleValue).description("jobs the scheduler knows")
                .register(registry);
        for (AllocationState state : AllocationState.values()) {
            AtomicLong count = new AtomicLong();
            byState.put(state, count);
            Gauge.builder("berth.allocations", count, AtomicLong::doubleValue)
                    .description("allocations (containers) by the state their agent last reported")
                    .tag("state", state.name().toLowerCase(Locale.ROOT)).register(registry);
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        gc.bindTo(registry);
        Metrics.globalRegistry.add(registry);
    }

    /** Records one answered request: {@code route} is the route's template, never the raw path. */
    void request(String method, String route, int status, long nanos) {
        requestTimers.computeIfAbsent(new RequestKey(method, route, status), key -> Timer.builder("berth.api.requests")
                .description("API requests, by route and status, until the response headers")
                .tags("method", key.method(), "route", key.route(), "status", Integer.toString(key.status()))
                .publishPercentileHistogram()
                .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Copies the scheduler's view in before a scrape, and times the image pulls of allocations not seen pulling
     * before. A scheduler node sees pulls only in the allocations' histories: agents in other JVMs report no
     * bytes, and the event stream leaves start steps out.
     */
    synchronized void scheduler(SchedulerApi.SchedulerStatus status, List<SchedulerApi.AllocationView> allocations) {
        placements.set(status.placementsTotal());
        stops.set(status.stopsTotal());
        evaluations.set(status.evaluationsTotal());
        queueDepth.set(status.queueDepth());
        blocked.set(status.blockedEvaluations());
        nodes.set(status.nodes());
        readyNodes.set(status.readyNodes());
        jobs.set(status.jobs());
        Map<AllocationState, Long> counts = new EnumMap<>(AllocationState.class);
        for (SchedulerApi.AllocationView a : allocations) {
            counts.merge(a.state(), 1L, Long::sum);
            if (!timedPulls.contains(a.id())) {
                Duration pull = pullTime(a.events());
                if (pull != null) {
                    pulls.record(pull);
                    timedPulls.add(a.id());
                }
            }
        }
        byState.forEach((state, count) -> count.set(counts.getOrDefault(state, 0L)));
    }

    /** From the first PULLING to the STARTING after it, or null when the history does not hold both. */
    private static Duration pullTime(List<SchedulerApi.AllocationEvent> events) {
        Instant pulling = null;
        for (SchedulerApi.AllocationEvent e : events) {
            if (e.state() == AllocationState.PULLING && pulling == null) {
                pulling = e.at();
            } else if (e.state() == AllocationState.STARTING && pulling != null) {
                return Duration.between(pulling, e.at());
            }
        }
        return null;
    }

    String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        Metrics.globalRegistry.remove(registry);
        gc.close();
        registry.close();
    }
}
