package io.berth.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code berth events}: the cluster's event stream, live, from an index. */
@Command(name = "events", description = {"Print the cluster's events as they happen (until interrupted).",
        "With --index, resume after that index: what happened since then comes first. The index is the first "
                + "column (the \"index\" field with --json); it belongs to the node answering."})
public final class EventsCommand extends ApiCommand {

    @Option(names = "--topic", paramLabel = "TOPIC",
            description = {"Only these topics (repeatable): Job, Allocation, Node, Deployment, Evaluation, or * "
                    + "for all.", "TOPIC:KEY for one key, e.g. Job:web."})
    List<String> topics;

    @Option(names = "--index", paramLabel = "N",
            description = "Start after index N: 0 for all the node still holds (default: only new events).")
    Long index;

    @Option(names = {"-n", "--count"}, paramLabel = "N",
            description = "Exit after printing N events (default: run until interrupted).")
    Long count;

    @Option(names = "--json", description = "Print each event as one line of JSON, as the API streams it.")
    boolean json;

    @Override
    protected int run(ApiClient client) throws ApiException, ApiUnreachableException, IOException {
        if (index != null && index < 0) {
            throw new IllegalArgumentException("--index: must be 0 or more, got " + index);
        }
        if (count != null && count < 1) {
            throw new IllegalArgumentException("--count: must be 1 or more, got " + count);
        }
        StringBuilder q = new StringBuilder("/v1/events?index=").append(index == null ? 0 : index);
        for (String t : topics == null ? List.<String>of() : topics) {
            q.append("&topic=").append(ApiClient.encode(t));
        }
        PrintWriter out = out();
        long printed = 0;
        try (ApiClient.LineStream stream = client.stream(q.toString())) {
            // without --index only what happens from now on: the API starts with all it holds, up to stream.index()
            long after = index == null ? stream.index() : 0;
            BufferedReader lines = stream.lines();
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                JsonNode event = line.isBlank() ? null : ApiClient.JSON.readTree(line);
                if (event == null || !event.has("index") || event.path("index").asLong() <= after) {
                    continue; // a keep-alive line ({}), or history before the start
                }
                out.println(json ? line : describe(event));
                out.flush();
                if (count != null && ++printed == count) {
                    break;
                }
            }
        }
        return ExitCodes.OK;
    }

    /** "42  14:03:27  Allocation  AllocationStateChanged  web.frontend[0]  state=RUNNING". */
    private static String describe(JsonNode e) {
        StringBuilder b = new StringBuilder();
        b.append(Output.text(e, "index")).append("  ");
        String at = Output.text(e, "at");
        b.append(at.isEmpty() ? "" : Output.shortTime(Instant.parse(at))).append("  ");
        b.append(Output.text(e, "topic")).append("  ").append(Output.text(e, "type")).append("  ")
                .append(Output.text(e, "key"));
        for (Iterator<Map.Entry<String, JsonNode>> it = e.path("details").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> d = it.next();
            b.append("  ").append(d.getKey()).append('=').append(d.getValue().asText());
        }
        return b.toString();
    }
}
