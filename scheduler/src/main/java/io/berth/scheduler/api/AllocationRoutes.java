package io.berth.scheduler.api;

import static io.berth.scheduler.api.ApiContext.json;

import io.berth.protocol.cluster.AgentCommand;
import io.berth.protocol.cluster.AllocationStats;
import io.berth.protocol.cluster.FollowLogs;
import io.berth.protocol.cluster.GetAllocationStats;
import io.berth.protocol.cluster.LogChunk;
import io.berth.protocol.cluster.LogLines;
import io.berth.protocol.cluster.LogStream;
import io.berth.protocol.cluster.RestartAllocation;
import io.berth.protocol.cluster.SchedulerCommand;
import io.berth.protocol.cluster.SignalAllocation;
import io.berth.protocol.cluster.StopAnswer;
import io.berth.protocol.cluster.TailLogs;
import io.berth.protocol.cluster.UnfollowLogs;
import io.berth.scheduler.api.Router.Access;
import io.berth.scheduler.api.Router.Route;
import io.berth.scheduler.control.SchedulerApi;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSource;
import org.apache.pekko.util.ByteString;

/**
 * Allocations: list, read, restart, signal, stats and logs. Restart, signal, stats and logs go to the agent of the
 * allocation's node, found through the scheduler.
 */
final class AllocationRoutes {
    /** Lines a tail shows when {@code ?tail=} is not given. */
    static final int DEFAULT_TAIL = 100;
    /** The most lines a tail may ask for. */
    static final int MAX_TAIL = 10_000;
    /**
     * Log chunks held for a follower that reads slower than the task writes; beyond that the follow ends (the
     * client sees the stream close) rather than silently dropping lines.
     */
    private static final int FOLLOW_BUFFER = 4096;

    record AllocationListing(List<SchedulerApi.AllocationView> allocations) {}

    record SignalRequest(String signal) {}

    private final ApiContext ctx;
    private final ActorRef<SchedulerCommand> scheduler;

    AllocationRoutes(ApiContext ctx, ActorRef<SchedulerCommand> scheduler) {
        this.ctx = ctx;
        this.scheduler = scheduler;
    }

    List<Route> routes() {
        return List.of(
                new Route(HttpMethods.GET, "/v1/allocations", Access.READ, this::list),
                new Route(HttpMethods.GET, "/v1/allocations/{id}", Access.READ, this::read),
                new Route(HttpMethods.POST, "/v1/allocations/{id}/restart", Access.WRITE, this::restart),
                new Route(HttpMethods.POST, "/v1/allocations/{id}/signal", Access.WRITE, this::signal),
                new Route(HttpMethods.GET, "/v1/allocations/{id}/stats", Access.READ, this::stats),
                new Route(HttpMethods.GET, "/v1/allocations/{id}/logs", Access.READ, this::logs));
    }

    private CompletionStage<HttpResponse> list(Call call) {
        Optional<String> job = call.query("job");
        job.ifPresent(j -> Call.checkId("job", j));
        return ctx.blocking(call, index -> ctx.ask(scheduler,
                (ActorRef<SchedulerApi.AllocationList> r) -> new SchedulerApi.GetAllocations(job.orElse(null), r),
                "the scheduler").thenApply(list -> new AllocationListing(list.allocations())));
    }

    private CompletionStage<HttpResponse> read(Call call) {
        String id = call.id("id");
        return ctx.blocking(call, index -> allocation(id).thenApply(SchedulerApi.AllocationReply::allocation));
    }

    private CompletionStage<HttpResponse> restart(Call call) {
        String id = call.id("id");
        String task = task(call);
        return agent(id).thenCompose(agent -> ctx.ask(agent,
                (ActorRef<StopAnswer> r) -> new RestartAllocation(id, task, r), "the allocation's agent"))
                .thenApply(answer -> answered(answer, "restarting " + (task == null ? "" : "task " + task + " of ") + "allocation " + id));
    }

    private CompletionStage<HttpResponse> signal(Call call) {
        String id = call.id("id");
        String task = task(call);
        return call.body(SignalRequest.class).thenCompose(request -> {
            if (request.signal() == null || request.signal().isBlank()) {
                throw ApiException.badRequest("signal", "required: a signal name (SIGHUP, HUP) or number");
            }
            return agent(id).thenCompose(agent -> ctx.ask(agent,
                    (ActorRef<StopAnswer> r) -> new SignalAllocation(id, task, request.signal(), r),
                    "the allocation's agent"))
                    .thenApply(answer -> answered(answer, "sent " + request.signal() + " to "
                            + (task == null ? "" : "task " + task + " of ") + "allocation " + id));
        });
    }

    private CompletionStage<HttpResponse> stats(Call call) {
        String id = call.id("id");
        String task = task(call);
        return agent(id).thenCompose(agent -> ctx.ask(agent,
                (ActorRef<AllocationStats> r) -> new GetAllocationStats(id, task, r), "the allocation's agent"))
                .thenApply(stats -> {
                    if (!stats.error().isEmpty()) {
                        throw refused("no stats for allocation " + id + ": ", stats.error());
                    }
                    return json(200, stats);
                });
    }

    /**
     * The last lines of one stream as text; with {@code follow=true} the response goes on with what the task
     * writes from then on, across restarts of the task, until the client disconnects or the allocation is gone.
     * Lines written between the tail and the start of the follow may be missing.
     */
    private CompletionStage<HttpResponse> logs(Call call) {
        String id = call.id("id");
        String task = task(call);
        LogStream stream = switch (call.query("stream").orElse("stdout")) {
            case "stdout" -> LogStream.STDOUT;
            case "stderr" -> LogStream.STDERR;
            default -> throw ApiException.badRequest("stream", "must be stdout or stderr");
        };
        int lines = (int) call.longQuery("tail", DEFAULT_TAIL, 0);
        if (lines > MAX_TAIL) {
            throw ApiException.badRequest("tail", "at most " + MAX_TAIL + " lines");
        }
        boolean follow = call.booleanQuery("follow", false);
        return agent(id).thenCompose(agent -> tail(agent, id, task, stream, lines).thenApply(text -> {
            if (!follow) {
                return HttpResponse.create().withEntity(ContentTypes.TEXT_PLAIN_UTF8, text);
            }
            Source<ByteString, NotUsed> body = Source.single(ByteString.fromString(text))
                    .concat(follow(agent, id, task, stream))
                    .filter(bytes -> !bytes.isEmpty());
            return HttpResponse.create().withEntity(HttpEntities.createChunked(ContentTypes.TEXT_PLAIN_UTF8, body));
        }));
    }

    private CompletionStage<String> tail(ActorRef<AgentCommand> agent, String id, String task, LogStream stream, int lines) {
        if (lines == 0) {
            return CompletableFuture.completedFuture("");
        }
        return ctx.ask(agent, (ActorRef<LogLines> r) -> new TailLogs(id, task, stream, lines, r), "the allocation's agent")
                .thenApply(answer -> {
                    if (!answer.error().isEmpty()) {
                        throw refused("no logs for allocation " + id + ": ", answer.error());
                    }
                    return answer.text();
                });
    }

    /** What the task writes to {@code stream} from now on; a follow error ends it with a line that says so. */
    private static Source<ByteString, NotUsed> follow(ActorRef<AgentCommand> agent, String id, String task,
                                                     LogStream stream) {
        Source<LogChunk, ActorRef<LogChunk>> chunks = ActorSource.actorRef(chunk -> false, chunk -> Optional.empty(),
                FOLLOW_BUFFER, OverflowStrategy.fail());
        return chunks
                .mapMaterializedValue(follower -> {
                    agent.tell(new FollowLogs(id, task, follower));
                    return follower;
                })
                .watchTermination((follower, done) -> {
                    done.whenComplete((ok, failure) -> agent.tell(new UnfollowLogs(id, task, follower)));
                    return NotUsed.getInstance();
                })
                .takeWhile(chunk -> chunk.error().isEmpty(), true)
                .filter(chunk -> !chunk.error().isEmpty() || chunk.stream() == stream)
                .map(chunk -> chunk.error().isEmpty() ? ByteString.fromArray(chunk.data())
                        : ByteString.fromString("\n[berth] the log follow ended: " + chunk.error() + "\n"));
    }

    private CompletionStage<SchedulerApi.AllocationReply> allocation(String id) {
        return ctx.ask(scheduler, (ActorRef<SchedulerApi.AllocationReply> r) -> new SchedulerApi.GetAllocation(id, r),
                "the scheduler").thenApply(reply -> {
                    if (reply.allocation() == null) {
                        throw ApiException.notFound("no allocation " + id);
                    }
                    return reply;
                });
    }

    /** The agent of the allocation's node; 503 when that node's agent has not registered with this scheduler. */
    private CompletionStage<ActorRef<AgentCommand>> agent(String id) {
        return allocation(id).thenApply(reply -> {
            if (reply.agent() == null) {
                throw new ApiException(503, "the agent of node " + reply.allocation().node() + " (allocation " + id
                        + ") is not registered with the scheduler; is it running?");
            }
            return reply.agent();
        });
    }

    /** The optional {@code task} query parameter: the task of the allocation a command is for, or null. */
    private static String task(Call call) {
        return call.query("task").map(name -> Call.checkId("task", name)).orElse(null);
    }

    /**
     * The error for an agent's refusal: 404 when the allocation has no task of the name asked for (the agent's
     * reason for that begins with {@code task: }), else 409.
     */
    private static ApiException refused(String context, String reason) {
        return reason.startsWith("task: ") ? ApiException.notFound(reason) : new ApiException(409, context + reason);
    }

    private static HttpResponse answered(StopAnswer answer, String done) {
        if (!answer.accepted()) {
            throw refused("", answer.reason());
        }
        return json(200, new ApiContext.Done(done));
    }
}
