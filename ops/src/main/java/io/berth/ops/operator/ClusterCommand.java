package io.berth.ops.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.berth.ops.cli.ApiClient;
import io.berth.ops.cli.ApiCommand;
import io.berth.ops.cli.ApiException;
import io.berth.ops.cli.ApiUnreachableException;
import io.berth.ops.cli.ExitCodes;
import io.berth.ops.cli.Output;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code berth cluster}: the cluster's members; make one leave, or down one that is gone. */
@Command(name = "cluster", description = "List the cluster's members; make one leave or down one that is gone.",
        subcommands = {ClusterCommand.Members.class, ClusterCommand.Leave.class, ClusterCommand.Down.class,
                CommandLine.HelpCommand.class})
public final class ClusterCommand {

    private ClusterCommand() {}

    /** {@code berth cluster members}. */
    @Command(name = "members", description = "List the cluster's members (schedulers and agents).")
    static final class Members extends ApiCommand {
        @Option(names = "--json", description = "Print the members as the API returns them.")
        boolean json;

        @Override
        protected int run(ApiClient client) throws ApiException, ApiUnreachableException {
            JsonNode list = client.get("/v1/cluster/members").body();
            if (json) {
                printJson(list);
                return ExitCodes.OK;
            }
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode m : list.path("members")) {
                List<String> roles = new ArrayList<>();
                m.path("roles").forEach(r -> roles.add(r.asText()));
                rows.add(List.of(Output.text(m, "address"), Output.text(m, "status"), String.join(",", roles),
                        m.path("reachable").asBoolean() ? "yes" : "NO", m.path("leader").asBoolean() ? "yes" : ""));
            }
            Output.table(out(), List.of("ADDRESS", "STATUS", "ROLES", "REACHABLE", "LEADER"), rows);
            return ExitCodes.OK;
        }
    }

    /** What leave and down share: the member's address and the request. */
    abstract static class Change extends ApiCommand {
        @Parameters(paramLabel = "HOST:PORT", description = "The member's address, as `berth cluster members` lists it.")
        String address;

        @Option(names = "--json", description = "Print the API's answer as JSON.")
        boolean json;

        abstract String action();

        @Override
        protected int run(ApiClient client) throws ApiException, ApiUnreachableException {
            JsonNode answer = client.post("/v1/cluster/" + action(),
                    JsonNodeFactory.instance.objectNode().put("address", address)).body();
            if (json) {
                printJson(answer);
            } else {
                out().println(Output.text(answer, "message"));
            }
            return ExitCodes.OK;
        }
    }

    /** {@code berth cluster leave HOST:PORT}. */
    @Command(name = "leave", description = {"Make a member leave the cluster gracefully: it hands its work over "
            + "(a scheduler its singleton and job store copy) and its process exits; under systemd "
            + "(Restart=on-failure) a clean exit stays stopped. Needs a management token."})
    static final class Leave extends Change {
        @Override
        String action() {
            return "leave";
        }
    }

    /** {@code berth cluster down HOST:PORT}. */
    @Command(name = "down", description = {"Down a member that is gone (crashed, its machine lost) so the cluster "
            + "stops waiting for it and places its allocations elsewhere. Never down a member that still runs: "
            + "make it leave. Needs a management token."})
    static final class Down extends Change {
        @Override
        String action() {
            return "down";
        }
    }
}
