package io.berth.scheduler.api;

import static io.berth.scheduler.api.ApiContext.json;

import io.berth.protocol.cluster.SchedulerCommand;
import io.berth.scheduler.api.Router.Access;
import io.berth.scheduler.api.Router.Route;
import io.berth.scheduler.control.SchedulerApi;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.management.HealthCheckSettings;
import org.apache.pekko.management.javadsl.CheckResult;
import org.apache.pekko.management.javadsl.HealthChecks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader, Prometheus metrics, the OpenAPI document, and pekko-management's liveness and readiness checks
 * ({@code pekko.management.health-checks}: with pekko-management-cluster-http on the classpath, ready means this
 * node is an Up member of the cluster).
 */
final class SystemRoutes {
    private static final Logger log = LoggerFactory.getLogger(SystemRoutes.class);
    /** How long a scrape waits for the scheduler's numbers before it answers without them. */
    private static final Duration SCRAPE_WAIT = Duration.ofSeconds(2);

    record Leader(String leader, Instant leaderSince) {}

    private final ApiContext ctx;
    private final ActorRef<SchedulerCommand> scheduler;
    private final ApiMetrics metrics;
    private final HealthChecks health;
    private final byte[] openapi;

    SystemRoutes(ApiContext ctx, ActorRef<SchedulerCommand> scheduler, ApiMetrics metrics) {
        this.ctx = ctx;
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.health = new HealthChecks((ExtendedActorSystem) Adapter.toClassic(ctx.system),
                HealthCheckSettings.create(ctx.system.settings().config().getConfig("pekko.management.health-checks")));
        try (InputStream in = SystemRoutes.class.getResourceAsStream("openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the scheduler jar");
            }
            this.openapi = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<Route> routes() {
        return List.of(
                new Route(HttpMethods.GET, "/v1/status/leader", Access.READ, this::leader),
                new Route(HttpMethods.GET, "/metrics", Access.READ, this::metrics),
                new Route(HttpMethods.GET, "/v1/openapi.json", Access.OPEN, this::openapi),
                new Route(HttpMethods.GET, "/alive", Access.OPEN, call -> check(health.aliveResult())),
                new Route(HttpMethods.GET, "/ready", Access.OPEN, call -> check(health.readyResult())));
    }

    private CompletionStage<HttpResponse> leader(Call call) {
        return ctx.ask(scheduler, SchedulerApi.GetStatus::new, "the scheduler")
                .thenApply(status -> json(200, new Leader(status.leader(), status.leaderSince())));
    }

    private CompletionStage<HttpResponse> metrics(Call call) {
        var status = ctx.ask(scheduler, SchedulerApi.GetStatus::new, "the scheduler", SCRAPE_WAIT);
        var allocations = ctx.ask(scheduler,
                (ActorRef<SchedulerApi.AllocationList> r) -> new SchedulerApi.GetAllocations(null, r), "the scheduler",
                SCRAPE_WAIT);
        return status.thenCombine(allocations, (s, a) -> {
            metrics.scheduler(s, a.allocations());
            return true;
        }).exceptionally(failure -> {
            log.debug("scrape without the scheduler's numbers: {}", failure.toString());
            return false;
        }).thenApply(fresh -> HttpResponse.create().withEntity(ContentTypes.TEXT_PLAIN_UTF8, metrics.scrape()));
    }

    private CompletionStage<HttpResponse> openapi(Call call) {
        return CompletableFuture.completedFuture(
                HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, openapi));
    }

    private static CompletionStage<HttpResponse> check(CompletionStage<CheckResult> result) {
        return result.thenApply(r -> r.isSuccess()
                ? HttpResponse.create().withEntity(ContentTypes.TEXT_PLAIN_UTF8, "OK")
                : HttpResponse.create().withStatus(503).withEntity(ContentTypes.TEXT_PLAIN_UTF8,
                        "Not Healthy: " + r.failure().orElse("")));
    }
}
