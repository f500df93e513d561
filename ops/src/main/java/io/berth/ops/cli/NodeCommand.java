package io.berth.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code berth node}: the machines agents run on: list, read, drain, eligibility. */
@Command(name = "node", description = "List and inspect nodes, drain them, turn scheduling onto them on or off.",
        subcommands = {NodeCommand.Ls.class, NodeCommand.Status.class, NodeCommand.Drain.class,
                NodeCommand.Eligibility.class, CommandLine.HelpCommand.class})
public final class NodeCommand {

    private NodeCommand() {}

    static String path(String name) {
        return "/v1/nodes/" + ApiClient.encode(name);
    }

    private static List<JsonNode> items(JsonNode list) {
        JsonNode array = list.isArray() ? list : list.path("nodes");
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    private static String eligibility(JsonNode n) {
        return n.path("draining").asBoolean() ? "draining" : n.path("leaving").asBoolean() ? "leaving"
                : n.path("eligible").asBoolean(true) ? "eligible" : "ineligible";
    }

    /** {@code berth node ls}. */
    @Command(name = "ls", aliases = "list", description = "List the nodes.")
    static final class Ls extends ApiCommand {
        @Option(names = "--json", description = "Print the nodes as the API returns them.")
        boolean json;

        @Override
        protected int run(ApiClient client) throws ApiException, ApiUnreachableException {
            JsonNode list = client.get("/v1/nodes").body();
            if (json) {
                printJson(list);
                return ExitCodes.OK;
            }
            List<JsonNode> nodes = items(list);
            if (nodes.isEmpty()) {
                out().println("No nodes (no agent has registered)");
                return ExitCodes.OK;
            }
            Instant now = Instant.now();
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode n : nodes) {
                JsonNode info = n.path("info");
                rows.add(List.of(Output.text(n, "name"), Output.text(info, "datacenter"), Output.text(n, "status"),
                        eligibility(n), Output.text(n, "allocations"),
                        Output.text(n, "used_cpu_mhz") + "/" + Output.text(info, "cpu_mhz"),
                        Output.text(n, "used_memory_mb") + "/" + Output.text(info, "memory_mb"),
                        Output.ago(Output.text(n, "last_heartbeat"), now)));
            }
            Output.table(out(), List.of("NAME", "DC", "STATUS", "ELIGIBILITY", "ALLOCS", "CPU MHZ", "MEMORY MB",
                    "HEARTBEAT"), rows);
            return ExitCodes.OK;
        }
    }

    /** {@code berth node status NAME}. */
    @Command(name = "status", description = "Show a node, what it offers and its allocations.")
    static final class Status extends ApiCommand {
        @Parameters(paramLabel = "NODE", description = "The node's name.")
        String name;

        @Option(names = "--json", description = "Print the node as the API returns it.")
        boolean json;

        @Override
        protected int run(ApiClient client) throws ApiException, ApiUnreachableException {
            JsonNode answer = client.get(path(name)).body();
            if (json) {
                printJson(answer);
                return ExitCodes.OK;
            }
            JsonNode n = answer.has("node") ? answer.path("node") : answer;
            JsonNode info = n.path("info");
            Instant now = Instant.now();
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("Name", Output.text(n, "name"));
            fields.put("Datacenter", Output.text(info, "datacenter"));
            fields.put("Status", Output.text(n, "status"));
            fields.put("Eligibility", eligibility(n) + (n.hasNonNull("drain_deadline")
                    ? " (deadline " + Output.ago(Output.text(n, "drain_deadline"), now) + ")" : ""));
            fields.put("Kernel", Output.text(info, "kernel") + " (" + Output.text(info, "os") + "/"
                    + Output.text(info, "arch") + ", cgroup v" + Output.text(info, "cgroup_version") + ")");
            fields.put("CPU", Output.text(n, "used_cpu_mhz") + " of " + Output.text(info, "cpu_mhz") + " MHz reserved");
            fields.put("Memory", Output.text(n, "used_memory_mb") + " of " + Output.text(info, "memory_mb")
                    + " MiB reserved");
            fields.put("Labels", info.path("labels").isEmpty() ? "-" : Output.pairs(info.path("labels")));
            fields.put("Registered", Output.ago(Output.text(n, "registered_at"), now));
            fields.put("Heartbeat", Output.ago(Output.text(n, "last_heartbeat"), now));
            Output.fields(out(), fields);
            out().println();
            out().println("Allocations");
            AllocCommand.table(out(), Allocations.items(answer.path("allocations")), now);
            return ExitCodes.OK;
        }
    }

    /** {@code berth node drain NAME}. */
    @Command(name = "drain", description = {"Drain a node: no new allocations, its allocations moved elsewhere "
            + "(max_parallel at a time per group), those left stopped at the deadline.",
            "The node stays ineligible after the drain: `berth node eligibility NAME --enable` turns it back on."})
    static final class Drain extends ApiCommand {
        @Parameters(paramLabel = "NODE", description = "The node's name.")
        String name;

        @Option(names = "--deadline", paramLabel = "DURATION", defaultValue = "1h",
                description = "How long the drain may take before stopping what is left (default: ${DEFAULT-VALUE}).")
        String deadline;

        @Option(names = "--disable", description = "Cancel a drain instead.")
        boolean disable;

        @Option(names = "--json", description = "Print the API's answer as JSON.")
        boolean json;

        @Override
        protected int run(ApiClient client) throws ApiException, ApiUnreachableException {
            duration("--deadline", deadline); // refused here with the option named rather than by the server
            ObjectNode body = ApiClient.JSON.createObjectNode().put("enable", !disable).put("deadline", deadline);
            JsonNode answer = client.post(path(name) + "/drain", body).body();
            if (json) {
                printJson(answer);
            } else {
                // the scheduler's message names the node and when the drain ends
                String message = Output.text(answer, "message");
                out().println(!message.isEmpty() ? message
                        : "node " + name + ": " + (disable ? "drain cancelled" : "draining, deadline " + deadline));
            }
            return ExitCodes.OK;
        }
    }

    /** {@code berth node eligibility NAME --enable|--disable}. */
    @Command(name = "eligibility", description = "Turn scheduling of new allocations onto a node on or off.")
    static final class Eligibility extends ApiCommand {
        @Parameters(paramLabel = "NODE", description = "The node's name.")
        String name;

        static final class Choice {
            @Option(names = "--enable", required = true, description = "New allocations may be placed on the node.")
            boolean enable;

            @Option(names = "--disable", required = true, description = "No new allocations; running ones stay.")
            boolean disable;
        }

        @ArgGroup(exclusive = true, multiplicity = "1")
        Choice choice;

        @Option(names = "--json", description = "Print the API's answer as JSON.")
        boolean json;

        @Override
        protected int run(ApiClient client) throws ApiException, ApiUnreachableException {
            ObjectNode body = ApiClient.JSON.createObjectNode().put("eligible", choice.enable);
            JsonNode answer = client.post(path(name) + "/eligibility", body).body();
            if (json) {
                printJson(answer);
            } else {
                out().println("node " + name + ": " + (choice.enable ? "eligible" : "ineligible"));
            }
            return ExitCodes.OK;
        }
    }
}
