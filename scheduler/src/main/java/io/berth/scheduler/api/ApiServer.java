package io.berth.scheduler.api;

import com.typesafe.config.ConfigFactory;
import io.berth.protocol.cluster.SchedulerCommand;
import io.berth.scheduler.cluster.TlsSettings;
import io.berth.scheduler.events.Events;
import io.berth.scheduler.jobs.JobStore;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API of one scheduler node: every route of {@code /v1} (see {@code openapi.json} beside this class),
 * {@code /metrics}, {@code /alive} and {@code /ready}, on one pekko-http binding.
 *
 * <p>Every error is JSON, {@code {"error": "...", "errors": [{"path", "message"}]}}: 400 for bad input (with the
 * field path, or line and column of malformed JSON), 401/403 for tokens, 404 for unknown paths and ids, 405 with
 * {@code Allow} for a wrong method, 413 for a body over {@code max-body-size}, 409 when the scheduler or an agent
 * refuses, 503 when the job store or scheduler does not answer in time.
 *
 * <p>Start it once per node after the job store and the scheduler proxy exist; {@link #close} unbinds it.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

    private final ServerBinding binding;
    private final ApiMetrics metrics;
    private final Router router;
    private final boolean https;

    private ApiServer(ServerBinding binding, ApiMetrics metrics, Router router, boolean https) {
        this.binding = binding;
        this.https = https;
        this.metrics = metrics;
        this.router = router;
    }

    /**
     * Binds the API and waits for the binding (at most 10 s). Starts this node's {@link Events#log event log} if
     * it is not running yet.
     *
     * @param jobStore  this node's job store
     * @param scheduler the scheduler singleton's proxy
     * @throws IllegalArgumentException when the host is not loopback and there are no tokens
     * @throws IllegalStateException    when the address cannot be bound (in use, not local), with the cause
     */
    public static ApiServer start(ActorSystem<?> system, ApiSettings settings, ActorRef<JobStore.Command> jobStore,
                                  ActorRef<SchedulerCommand> scheduler) {
        if (settings.tokens().isEmpty() && !settings.loopback()) {
            throw new IllegalArgumentException("the API would listen on " + settings.host() + ", beyond loopback, "
                    + "without tokens: configure berth.api.tokens or berth.api.tokens-file (or listen on 127.0.0.1)");
        }
        ApiContext ctx = new ApiContext(system, settings, Events.log(system));
        ApiMetrics metrics = new ApiMetrics();
        List<Router.Route> routes = new ArrayList<>();
        routes.addAll(new JobRoutes(ctx, jobStore, scheduler).routes());
        routes.addAll(new AllocationRoutes(ctx, scheduler).routes());
        routes.addAll(new NodeRoutes(ctx, scheduler).routes());
        routes.addAll(new EventRoutes(ctx).routes());
        routes.addAll(new SystemRoutes(ctx, scheduler, metrics).routes());
        routes.addAll(new OperatorRoutes(ctx, jobStore).routes());
        Router router = new Router(routes);
        Handler handler = new Handler(router, new Auth(settings.tokens()), metrics,
                Materializer.matFromSystem(system), settings);
        // Blocking queries hold a request up to max-wait, and follows stream for as long as they like: the
        // request timeout must outlast the longest wait, and the idle timeout a quiet log.
        ServerSettings server = ServerSettings.create(ConfigFactory.parseMap(Map.of(
                "pekko.http.server.request-timeout", (settings.maxWait().plus(settings.askTimeout()).toSeconds() + 30) + "s",
                "pekko.http.server.idle-timeout", "1h",
                "pekko.http.server.parsing.max-content-length", Long.toString(settings.maxBodyBytes())))
                .withFallback(system.settings().config()));
        try {
            // berth.tls.api: HTTPS with the node's certificate (TlsSettings), and nothing on the port speaks HTTP
            TlsSettings tls = TlsSettings.fromConfig(system.settings().config());
            var at = Http.get(system).newServerAt(settings.host(), settings.port());
            if (tls.api()) {
                at = at.enableHttps(ConnectionContext.httpsServer(tls.serverContext()));
            }
            ServerBinding binding = at.withSettings(server).bind(handler::handle)
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            log.info("HTTP API on {}://{}:{}{}", tls.api() ? "https" : "http", binding.localAddress().getHostString(),
                    binding.localAddress().getPort(), handler.auth.enabled() ? " (tokens required)" : "");
            return new ApiServer(binding, metrics, router, tls.api());
        } catch (ExecutionException e) {
            metrics.close();
            throw new IllegalStateException("cannot listen on " + settings.host() + ":" + settings.port() + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            metrics.close();
            throw new IllegalStateException("binding " + settings.host() + ":" + settings.port() + " took over 10 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            metrics.close();
            throw new IllegalStateException("interrupted while binding the API", e);
        }
    }

    /** Where it listens (the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return binding.localAddress();
    }

    /** {@code http://host:port} ({@code https} with berth.tls.api), for clients. */
    public String url() {
        return (https ? "https://" : "http://") + address().getHostString() + ":" + address().getPort();
    }

    /** The route table (for the OpenAPI check). */
    Router router() {
        return router;
    }

    /** Stops accepting connections and gives open requests up to 5 s to finish. */
    @Override
    public void close() {
        try {
            binding.terminate(Duration.ofSeconds(5)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("the API did not stop cleanly: {}", e.toString());
        } finally {
            metrics.close();
        }
    }

    /** Resolves, authorizes, runs the route, turns failures into JSON errors and times it all. */
    private static final class Handler {
        final Router router;
        final Auth auth;
        final ApiMetrics metrics;
        final Materializer materializer;
        final ApiSettings settings;

        Handler(Router router, Auth auth, ApiMetrics metrics, Materializer materializer, ApiSettings settings) {
            this.router = router;
            this.auth = auth;
            this.metrics = metrics;
            this.materializer = materializer;
            this.settings = settings;
        }

        CompletionStage<HttpResponse> handle(HttpRequest request) {
            long start = System.nanoTime();
            List<String> path = new ArrayList<>();
            request.getUri().pathSegments().forEach(path::add);
            Router.Resolution resolution = router.resolve(request.method(), path);
            String route;
            CompletionStage<HttpResponse> response;
            if (resolution instanceof Router.Found found) {
                route = found.route().template();
                response = run(request, found);
            } else if (resolution instanceof Router.MethodNotAllowed notAllowed) {
                route = "unmatched";
                request.discardEntityBytes(materializer);
                response = CompletableFuture.completedFuture(error(new ApiException(405, request.method().name()
                        + " is not allowed on " + request.getUri().path() + " (allowed: "
                        + String.join(", ", notAllowed.allowed()) + ")"))
                        .addHeader(RawHeader.create("Allow", String.join(", ", notAllowed.allowed()))));
            } else {
                route = "unmatched";
                request.discardEntityBytes(materializer);
                response = CompletableFuture.completedFuture(error(ApiException.notFound("no such path: "
                        + request.getUri().path() + " (the routes are listed in /v1/openapi.json)")));
            }
            return response.thenApply(r -> {
                metrics.request(request.method().name(), route, r.status().intValue(), System.nanoTime() - start);
                return r;
            });
        }

        private CompletionStage<HttpResponse> run(HttpRequest request, Router.Found found) {
            var denied = auth.check(request, found.route().access());
            if (denied.isPresent()) {
                request.discardEntityBytes(materializer);
                return CompletableFuture.completedFuture(error(denied.get()));
            }
            CompletionStage<HttpResponse> response;
            try {
                response = found.route().handler().handle(new Call(request, found.params(), materializer,
                        settings.maxBodyBytes(), settings.askTimeout()));
            } catch (Exception e) {
                response = CompletableFuture.failedFuture(e);
            }
            return response.exceptionally(failure -> {
                request.discardEntityBytes(materializer); // a body a failed route did not read
                return failed(request, failure);
            });
        }

        private HttpResponse failed(HttpRequest request, Throwable failure) {
            Throwable cause = failure;
            while (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof ApiException e) {
                return error(e);
            }
            if (cause instanceof EntityStreamSizeException) {
                return error(new ApiException(413, "the body is larger than " + settings.maxBodyBytes()
                        + " bytes (berth.api.max-body-size)"));
            }
            log.error("{} {} failed", request.method().name(), request.getUri().path(), cause);
            return error(new ApiException(500, "internal error: " + cause));
        }

        private static HttpResponse error(ApiException e) {
            HttpResponse response = ApiContext.json(e.status(), new ErrorBody(e.getMessage(), e.errors()));
            return e.status() == 401
                    ? response.addHeader(RawHeader.create("WWW-Authenticate", "Bearer realm=\"berth\"")) : response;
        }
    }

    /** Every error's body. */
    record ErrorBody(String error, List<ApiException.FieldError> errors) {}
}
