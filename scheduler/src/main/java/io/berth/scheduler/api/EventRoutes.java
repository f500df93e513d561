package io.berth.scheduler.api;

import io.berth.protocol.cluster.BerthEvent;
import io.berth.scheduler.api.Router.Access;
import io.berth.scheduler.api.Router.Route;
import io.berth.scheduler.events.EventLog;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;

/**
 * The event stream, {@code GET /v1/events}: newline-delimited JSON, one event per line, read from this node's
 * {@link EventLog} in batches, so a slow client only slows its own stream. {@code ?topic=Job} (repeatable, also
 * {@code Job:web} for one key, {@code *} for all) filters; {@code ?index=N} resumes after index N (default 0:
 * everything the node still holds). A line {@code {}} is sent when nothing happened for a while, so clients
 * and proxies see the connection alive and a gone client is noticed.
 */
final class EventRoutes {
    static final Set<String> TOPICS = Set.of("Job", "Allocation", "Node", "Deployment", "Evaluation");
    static final ContentType NDJSON =
            ContentTypes.create(MediaTypes.applicationWithFixedCharset("x-ndjson", HttpCharsets.UTF_8));
    /** How long a quiet stream waits before it sends a heartbeat line. */
    static final Duration HEARTBEAT = Duration.ofSeconds(10);
    private static final int BATCH = 256;
    private static final byte[] HEARTBEAT_LINE = {'{', '}', '\n'};

    /**
     * One line of the stream.
     *
     * @param index the event's index on this node: resume with {@code ?index=} of the last one seen
     */
    record EventLine(long index, String topic, String type, String key, Map<String, String> details, Instant at) {}

    private final ApiContext ctx;

    EventRoutes(ApiContext ctx) {
        this.ctx = ctx;
    }

    List<Route> routes() {
        return List.of(new Route(HttpMethods.GET, "/v1/events", Access.READ, this::events));
    }

    /**
     * Where a stream is: the index it has read up to, and when it last wrote something (a filtered stream may
     * read many batches that leave nothing to write; it still owes the client a heartbeat).
     */
    private record Position(long after, long lastWriteNanos) {}

    private CompletionStage<HttpResponse> events(Call call) {
        Predicate<BerthEvent> filter = filter(call.queryAll("topic"));
        long from = call.longQuery("index", 0, 0);
        return ctx.ask(ctx.eventLog, EventLog.GetIndex::new, "the event log").thenApply(now -> {
            Source<ByteString, NotUsed> lines = Source.unfoldAsync(new Position(from, System.nanoTime()),
                            at -> ctx.ask(ctx.eventLog,
                                    (ActorRef<EventLog.Batch> r) -> new EventLog.Read(at.after(), BATCH, HEARTBEAT, r),
                                    "the event log", HEARTBEAT.plus(ctx.settings.askTimeout()))
                                    .thenApply(batch -> Optional.of(render(at, batch, filter, System.nanoTime()))))
                    .filter(bytes -> !bytes.isEmpty());
            return HttpResponse.create()
                    .addHeader(RawHeader.create(ApiContext.INDEX_HEADER, Long.toString(now.lastIndex())))
                    .withEntity(HttpEntities.createChunked(NDJSON, lines));
        });
    }

    /**
     * The stream's next position and the lines for one batch: the events the filter lets through, or a heartbeat
     * {@code {}} when nothing was written for {@link #HEARTBEAT}.
     */
    private static Pair<Position, ByteString> render(Position at, EventLog.Batch batch, Predicate<BerthEvent> filter,
                                                     long nowNanos) {
        long after = at.after();
        ByteStringBuilder out = ByteString.createBuilder();
        if (batch.missed() && !batch.entries().isEmpty()) {
            long first = batch.entries().get(0).index();
            line(out, new EventLine(first - 1, "Stream", "EventsMissed", "",
                    Map.of("after", Long.toString(after), "resumed_at", Long.toString(first),
                            "reason", "the node no longer holds the events in between"), Instant.now()));
        }
        for (EventLog.Entry entry : batch.entries()) {
            BerthEvent e = entry.event();
            if (filter.test(e)) {
                line(out, new EventLine(entry.index(), e.topic(), e.type(), e.key(), e.details(), e.at()));
            }
            after = entry.index();
        }
        if (out.isEmpty() && nowNanos - at.lastWriteNanos() >= HEARTBEAT.toNanos()) {
            out.putBytes(HEARTBEAT_LINE);
        }
        return Pair.create(new Position(after, out.isEmpty() ? at.lastWriteNanos() : nowNanos), out.result());
    }

    private static void line(ByteStringBuilder out, EventLine line) {
        out.putBytes(ApiJson.write(line));
        out.putByte((byte) '\n');
    }

    /** Accepts an event when any {@code topic} or {@code topic:key} matches it; no topics means all. */
    static Predicate<BerthEvent> filter(List<String> topics) {
        if (topics.isEmpty()) {
            return e -> true;
        }
        List<Predicate<BerthEvent>> any = new ArrayList<>();
        for (String t : topics) {
            int colon = t.indexOf(':');
            String topic = colon < 0 ? t : t.substring(0, colon);
            String key = colon < 0 ? "*" : t.substring(colon + 1);
            if (!topic.equals("*") && !TOPICS.contains(topic)) {
                throw ApiException.badRequest("topic", "unknown topic '" + topic
                        + "' (topics: Allocation, Deployment, Evaluation, Job, Node, or * for all; add :key for one key)");
            }
            any.add(e -> (topic.equals("*") || topic.equals(e.topic())) && (key.equals("*") || key.equals(e.key())));
        }
        return e -> any.stream().anyMatch(p -> p.test(e));
    }
}
