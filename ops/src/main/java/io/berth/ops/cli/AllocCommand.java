package io.berth.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code berth alloc}: the allocations, one instance of a group each: list, read, logs, restart. */
@Command(name = "alloc", description = "List and inspect allocations, read their logs, restart them.",
        subcommands = {AllocCommand.Ls.class, AllocCommand.Status.class, AllocCommand.Logs.class,
                AllocCommand.Restart.class, CommandLine.HelpCommand.class})
public final class AllocCommand {

    private AllocCommand() {}

    /** Prints allocations as a table (also under {@code berth job status}). */
    static void table(PrintWriter out, List<JsonNode> allocs, Instant now) {
        if (allocs.isEmpty()) {
            out.println("No allocations");
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode a : allocs) {
            rows.add(List.of(Output.shortId(Output.text(a, "id")), Output.text(a, "name"), Output.text(a, "node"),
                    Output.text(a, "state").toLowerCase(java.util.Locale.ROOT), Output.text(a, "desired_status"),
                    health(a), Output.text(a, "job_version"), Output.pairs(a.path("ports")),
                    Output.ago(Output.text(a, "modified_at"), now)));
        }
        Output.table(out, List.of("ID", "NAME", "NODE", "STATE", "DESIRED", "HEALTHY", "VERSION", "PORTS", "MODIFIED"),
                rows);
    }

    private static String health(JsonNode a) {
        JsonNode h = a.path("healthy");
        return h.isBoolean() ? (h.asBoolean() ? "yes" : "no") : "-";
    }

    static String path(String allocationId) {
        return "/v1/allocations/" + ApiClient.encode(allocationId);
    }

    /** {@code berth alloc ls}. */
    @Command(name = "ls", aliases = "list", description = "List allocations, of every job or of one.")
    static final class Ls extends ApiCommand {
        @Option(names = "--job", paramLabel = "JOB", description = "Only the allocations of JOB.")
        String job;

        @Option(names = "--json", description = "Print the allocations as the API returns them.")
        boolean json;

        @Override
        protected int run(ApiClient client) throws ApiException, ApiUnreachableException {
            JsonNode list = client.get("/v1/allocations" + (job == null ? "" : "?job=" + ApiClient.encode(job))).body();
            if (json) {
                printJson(list);
            } else {
                table(out(), Allocations.items(list), Instant.now());
            }
            return ExitCodes.OK;
        }
    }

    /** {@code berth alloc status ID}. */
    @Command(name = "status", description = "Show one allocation and its recent state changes.")
    static final class Status extends ApiCommand {
        @Parameters(paramLabel = "ALLOC", description = "The allocation id, or the start of it (8 characters do).")
        String id;

        @Option(names = "--json", description = "Print the allocation as the API returns it.")
        boolean json;

        @Override
        protected int run(ApiClient client) throws ApiException, ApiUnreachableException {
            JsonNode a = client.get(path(Allocations.resolve(client, id))).body();
            if (json) {
                printJson(a);
                return ExitCodes.OK;
            }
            Instant now = Instant.now();
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("ID", Output.text(a, "id"));
            fields.put("Name", Output.text(a, "name"));
            fields.put("Job", Output.text(a, "job_id") + " (version " + Output.text(a, "job_version") + ")");
            fields.put("Node", Output.text(a, "node"));
            fields.put("State", Output.text(a, "state").toLowerCase(java.util.Locale.ROOT)
                    + (a.hasNonNull("exit_code") ? " (exit code " + a.get("exit_code").asText() + ")" : ""));
            fields.put("Desired", Output.text(a, "desired_status"));
            fields.put("Healthy", health(a));
            fields.put("Ports", a.path("ports").isEmpty() ? "-" : Output.pairs(a.path("ports")));
            fields.put("Detail", Output.text(a, "detail"));
            fields.put("Created", Output.ago(Output.text(a, "created_at"), now));
            fields.put("Modified", Output.ago(Output.text(a, "modified_at"), now));
            Output.fields(out(), fields);
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode e : a.path("events")) {
                rows.add(List.of(Output.ago(Output.text(e, "at"), now),
                        Output.text(e, "state").toLowerCase(java.util.Locale.ROOT), Output.text(e, "detail")));
            }
            if (!rows.isEmpty()) {
                out().println();
                out().println("Recent events");
                Output.table(out(), List.of("WHEN", "STATE", "DETAIL"), rows);
            }
            return ExitCodes.OK;
        }
    }

    /** The {@code task} query parameter after {@code separator}, or nothing when no task is named. */
    private static String taskQuery(String separator, String task) {
        return task == null ? "" : separator + "task=" + ApiClient.encode(task);
    }

    /** {@code berth alloc logs ID}. */
    @Command(name = "logs", description = "Print what an allocation's task wrote; -f follows it (across restarts).")
    static final class Logs extends ApiCommand {
        @Parameters(paramLabel = "ALLOC", description = "The allocation id, or the start of it.")
        String id;

        @Option(names = {"-f", "--follow"}, description = "Keep printing what the task writes until interrupted.")
        boolean follow;

        @Option(names = "--stderr", description = "Standard error instead of standard output.")
        boolean stderr;

        @Option(names = {"-n", "--tail"}, paramLabel = "LINES", defaultValue = "100",
                description = "How many of the last lines to print first (default: ${DEFAULT-VALUE}).")
        int tail;

        @Option(names = "--task", paramLabel = "NAME",
                description = "The task of the allocation to read (default: its group's first task).")
        String task;

        @Override
        protected int run(ApiClient client) throws ApiException, ApiUnreachableException, IOException {
            if (tail < 0) {
                throw new IllegalArgumentException("--tail: must be 0 or more, got " + tail);
            }
            String query = path(Allocations.resolve(client, id)) + "/logs?stream=" + (stderr ? "stderr" : "stdout")
                    + "&tail=" + tail + (follow ? "&follow=true" : "") + taskQuery("&", task);
            try (ApiClient.LineStream stream = client.stream(query)) {
                BufferedReader lines = stream.lines();
                PrintWriter out = out();
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    out.println(line);
                    out.flush();
                }
            }
            return ExitCodes.OK;
        }
    }

    /** {@code berth alloc restart ID}. */
    @Command(name = "restart", description = "Restart an allocation's tasks in place (not counted by its restart policy).")
    static final class Restart extends ApiCommand {
        @Parameters(paramLabel = "ALLOC", description = "The allocation id, or the start of it.")
        String id;

        @Option(names = "--json", description = "Print the API's answer as JSON.")
        boolean json;

        @Option(names = "--task", paramLabel = "NAME",
                description = "Restart only this task of the allocation (default: every task).")
        String task;

        @Override
        protected int run(ApiClient client) throws ApiException, ApiUnreachableException {
            String full = Allocations.resolve(client, id);
            JsonNode answer = client.post(path(full) + "/restart" + taskQuery("?", task),
                    ApiClient.JSON.createObjectNode()).body();
            if (json) {
                printJson(answer);
            } else {
                out().println((task == null ? "" : "task " + task + " of ") + "allocation " + Output.shortId(full)
                        + ": restarting");
            }
            return ExitCodes.OK;
        }
    }
}
