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
        "With --index, resume after that index: what happened since then comes first."})
public final class EventsCommand extends ApiCommand {

    @Option(names = "--topic", paramLabel = "TOPIC",
            description = "Only these topics (repeatable): Job, Allocation, Node, Deployment, Evaluation.")
    List<String> topics;

    @Option(names = "--index", paramLabel = "N", description = "Start after index N (default: only new events).")
    Long index;

    @Option(names = "--json", description = "Print each event as one line of JSON, as the API streams it.")
    boolean json;

    @Override
    protected int run(ApiClient client) throws ApiException, ApiUnreachableException, IOException {
        StringBuilder q = new StringBuilder("/v1/events");
        char sep = '?';
        for (String t : topics == null ? List.<String>of() : topics) {
            q.append(sep).append("topic=").append(ApiClient.encode(t));
            sep = '&';
        }
        if (index != null) {
            q.append(sep).append("index=").append(index);
        }
        PrintWriter out = out();
        try (BufferedReader lines = client.stream(q.toString())) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.isBlank()) {
                    continue; // keep-alive
                }
                out.println(json ? line : describe(ApiClient.JSON.readTree(line)));
                out.flush();
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
