package io.berth.scheduler.api;

import io.berth.scheduler.events.EventLog;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.util.ByteString;

/**
 * What every route needs: asking actors with the API's timeout, JSON answers, and the event log index behind
 * {@code X-Berth-Index} and blocking queries.
 */
final class ApiContext {
    static final String INDEX_HEADER = "X-Berth-Index";

    /** The answer of an operation that has nothing else to say. */
    record Done(String message) {}

    final ActorSystem<?> system;
    final ApiSettings settings;
    final ActorRef<EventLog.Command> eventLog;

    ApiContext(ActorSystem<?> system, ApiSettings settings, ActorRef<EventLog.Command> eventLog) {
        this.system = system;
        this.settings = settings;
        this.eventLog = eventLog;
    }

    /**
     * Asks {@code target}; a stage failed with {@link ApiException} 503 naming {@code who} when it does not answer
     * within the ask timeout.
     */
    <Req, Res> CompletionStage<Res> ask(RecipientRef<Req> target, Function<ActorRef<Res>, Req> message, String who) {
        return ask(target, message, who, settings.askTimeout());
    }

    <Req, Res> CompletionStage<Res> ask(RecipientRef<Req> target, Function<ActorRef<Res>, Req> message, String who,
                                        Duration timeout) {
        CompletionStage<Res> answer = onDispatcher(AskPattern.ask(target, message::apply, timeout, system.scheduler()),
                system.executionContext());
        return answer.exceptionally(failure -> {
            Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof TimeoutException) {
                throw new ApiException(503, who + " did not answer within " + timeout.toMillis()
                        + " ms; is a scheduler node up and part of the cluster? Try again.");
            }
            throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
        });
    }

    /**
     * {@code stage} continued on {@code executor}. A stage made from a Scala future (an ask, an entity read) runs
     * every continuation asynchronously on the common pool, and on a machine of two cores that pool has one
     * thread, so the JDK starts a new thread for each continuation instead; the returned stage is a plain one
     * whose continuations run where it completes, on the actor system's dispatcher.
     */
    static <T> CompletionStage<T> onDispatcher(CompletionStage<T> stage, Executor executor) {
        return stage.thenApplyAsync(Function.identity(), executor);
    }

    /**
     * A JSON answer. The bytes are wrapped, not copied: {@link ApiJson#write} makes a new array for each body, and
     * the arrays of {@link ApiJson.Raw} bodies are never changed after they are made (a listing may answer the
     * same one many times).
     */
    static HttpResponse json(int status, Object body) {
        return HttpResponse.create().withStatus(status).withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
                ByteString.fromArrayUnsafe(ApiJson.write(body))));
    }

    static HttpResponse json(int status, Object body, long index) {
        return json(status, body).addHeader(RawHeader.create(INDEX_HEADER, Long.toString(index)));
    }

    /**
     * The index to answer a read with. Without {@code ?index=} it is the event log's newest index; with
     * {@code ?index=N} it waits (up to {@code ?wait=}, default and at most the configured maximum) until the event
     * log has something newer than N, so the data read after it includes that change. The index is taken before
     * the data is read: a change the read misses always has a higher index.
     */
    CompletionStage<Long> index(Call call) {
        long after = call.longQuery("index", -1, 0);
        if (after < 0) {
            return ask(eventLog, EventLog.GetIndex::new, "the event log").thenApply(EventLog.Batch::lastIndex);
        }
        Duration wait = call.durationQuery("wait", settings.maxWait());
        if (wait.compareTo(settings.maxWait()) > 0) {
            wait = settings.maxWait();
        }
        Duration timeout = wait;
        return ask(eventLog, (ActorRef<EventLog.Batch> r) -> new EventLog.Read(after, 0, timeout, r),
                "the event log", wait.plus(settings.askTimeout())).thenApply(EventLog.Batch::lastIndex);
    }

    /** A blocking read: the index (after waiting if asked), then {@code read}, answered 200 with the index. */
    CompletionStage<HttpResponse> blocking(Call call, Function<Long, CompletionStage<?>> read) {
        return index(call).thenCompose(index -> read.apply(index).thenApply(body -> json(200, body, index)));
    }
}
