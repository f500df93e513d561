package io.berth.scheduler.api;

import io.berth.protocol.cluster.SchedulerCommand;
import io.berth.protocol.job.Durations;
import io.berth.scheduler.api.Router.Access;
import io.berth.scheduler.api.Router.Route;
import io.berth.scheduler.control.SchedulerApi;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/** Nodes: list, read, drain with a deadline, eligibility. */
final class NodeRoutes {
    record NodeListing(List<SchedulerApi.NodeView> nodes) {}

    /** @param enable true (the default) starts a drain, false cancels one; deadline as {@code "1h"} */
    record DrainRequest(Boolean enable, String deadline) {}

    record EligibilityRequest(Boolean eligible) {}

    private final ApiContext ctx;
    private final ActorRef<SchedulerCommand> scheduler;

    NodeRoutes(ApiContext ctx, ActorRef<SchedulerCommand> scheduler) {
        this.ctx = ctx;
        this.scheduler = scheduler;
    }

    List<Route> routes() {
        return List.of(
                new Route(HttpMethods.GET, "/v1/nodes", Access.READ, this::list),
                new Route(HttpMethods.GET, "/v1/nodes/{name}", Access.READ, this::read),
                new Route(HttpMethods.POST, "/v1/nodes/{name}/drain", Access.WRITE, this::drain),
                new Route(HttpMethods.POST, "/v1/nodes/{name}/eligibility", Access.WRITE, this::eligibility));
    }

    private CompletionStage<HttpResponse> list(Call call) {
        return ctx.blocking(call, index -> ctx.ask(scheduler, SchedulerApi.GetNodes::new, "the scheduler")
                .thenApply(list -> new NodeListing(list.nodes())));
    }

    private CompletionStage<HttpResponse> read(Call call) {
        String name = call.id("name");
        return ctx.blocking(call, index -> ctx.ask(scheduler,
                (ActorRef<SchedulerApi.NodeReply> r) -> new SchedulerApi.GetNode(name, r), "the scheduler")
                .thenApply(reply -> {
                    if (reply.node() == null) {
                        throw ApiException.notFound("no node " + name);
                    }
                    return reply;
                }));
    }

    private CompletionStage<HttpResponse> drain(Call call) {
        String name = call.id("name");
        return call.body(DrainRequest.class).thenCompose(request -> {
            boolean enable = request.enable() == null || request.enable();
            Duration deadline = null;
            if (request.deadline() != null) {
                try {
                    deadline = Durations.parse(request.deadline());
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest("deadline", e.getMessage());
                }
            }
            Duration d = deadline;
            return ctx.ask(scheduler,
                    (ActorRef<SchedulerApi.OperationResult> r) -> new SchedulerApi.DrainNode(name, d, enable, r),
                    "the scheduler");
        }).thenApply(JobRoutes::operation);
    }

    private CompletionStage<HttpResponse> eligibility(Call call) {
        String name = call.id("name");
        return call.body(EligibilityRequest.class).thenCompose(request -> {
            if (request.eligible() == null) {
                throw ApiException.badRequest("eligible", "required: true or false");
            }
            return ctx.ask(scheduler, (ActorRef<SchedulerApi.OperationResult> r) ->
                    new SchedulerApi.SetEligibility(name, request.eligible(), r), "the scheduler");
        }).thenApply(JobRoutes::operation);
    }
}
