package io.berth.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.protocol.job.Job;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code berth job}: submit jobs and follow their deployments, read, plan, scale, revert and stop them. */
@Command(name = "job", description = "Run, inspect, plan, scale, revert and stop jobs.",
        subcommands = {JobCommand.Run.class, JobCommand.Status.class, JobCommand.Ls.class, JobCommand.Plan.class,
                JobCommand.History.class, JobCommand.Revert.class, JobCommand.Scale.class, JobCommand.Promote.class,
                JobCommand.Stop.class, CommandLine.HelpCommand.class})
public final class JobCommand {

    private JobCommand() {}

    static String path(String jobId) {
        return "/v1/jobs/" + ApiClient.encode(jobId);
    }

    /** {@code berth job run FILE}: register, then follow the deployment. */
    @Command(name = "run", description = {"Submit a job (JSON, or YAML for .yaml/.yml) and follow its deployment "
            + "until it is healthy or failed.", "The file is validated first: every problem is printed with its "
            + "field path (exit code 2)."}, exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:the job is registered and its deployment healthy (or awaiting promotion)",
                    "1:the deployment failed, or did not finish within --timeout",
                    "2:the job file is invalid (the field paths are printed)", "3:the file does not exist",
                    "4:the API could not be reached", "5:the token was missing, wrong or not allowed"})
    static final class Run extends ApiCommand {
        @Parameters(paramLabel = "FILE", description = "The job spec.")
        Path file;

        @Option(names = {"-d", "--detach"}, description = "Return once the job is registered.")
        boolean detach;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m",
                description = "How long to follow the deployment (default: ${DEFAULT-VALUE}), e.g. 90s, 5m.")
        String timeout;

        @Option(names = "--json", description = "Print the registration and the deployment's outcome as JSON.")
        boolean json;

        @Override
        protected int run(ApiClient client) throws ApiException, ApiUnreachableException {
            Duration limit = duration("--timeout", timeout);
            Job job;
            try {
                job = JobFile.read(file);
            } catch (JobFile.Unusable e) {
                err().println(name() + ": " + e.getMessage());
                return e.exitCode();
            }
            JsonNode registered = client.post("/v1/jobs", JobFile.body(job)).body();
            long version = registered.path("version").asLong();
            boolean changed = registered.path("changed").asBoolean(true);
            if (!json) {
                out().println(changed ? "job " + job.id() + ": registered version " + version
                        : "job " + job.id() + ": unchanged, still version " + version);
                out().flush();
            }
            if (detach) {
                if (json) {
                    printJson(registered);
                }
                return ExitCodes.OK;
            }
            DeploymentFollower.Outcome outcome = new DeploymentFollower(client, json ? null : out(),
                    Clock.systemUTC()).follow(job.id(), version, limit);
            if (json) {
                ObjectNode o = ApiClient.JSON.createObjectNode();
                o.setAll((ObjectNode) registered);
                o.put("healthy", outcome.healthy());
                o.put("summary", outcome.summary());
                o.set("deployment", outcome.deployment());
                o.set("allocations", outcome.allocations());
                printJson(o);
            } else if (outcome.healthy()) {
                out().println("job " + job.id() + " version " + version + ": " + outcome.summary());
            } else {
                err().println(name() + ": job " + job.id() + " version " + version + " did not become healthy: "
                        + outcome.summary() + " (see berth job status " + job.id() + ")");
            }
            return outcome.healthy() ? ExitCodes.OK : ExitCodes.FAILED;
        }
    }

    /** {@code berth job status ID}. */
    @Command(name = "status", description = "Show a job, its deployment and its allocations.")
    static final class Status extends ApiCommand {
        @Parameters(paramLabel = "JOB", description = "The job id.")
        String jobId;

        @Option(names = "--json", description = "Print the job as the API returns it, with its allocations.")
        boolean json;

        @Override
        protected int run(ApiClient client) throws ApiException, ApiUnreachableException {
            JsonNode job = client.get(path(jobId)).body();
            JsonNode allocs = client.get(path(jobId) + "/allocations").body();
            JsonNode deployment = null;
            try {
                deployment = client.get(path(jobId) + "/deployment").body();
            } catch (ApiException e) {
                if (e.status() != 404) {
                    throw e;
                }
            }
            if (json) {
                ObjectNode o = ((ObjectNode) job).deepCopy();
                o.set("allocations", ApiClient.JSON.valueToTree(Allocations.items(allocs)));
                o.set("deployment", deployment);
                printJson(o);
                return ExitCodes.OK;
            }
            Instant now = Instant.now();
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("ID", Output.text(job, "id"));
            fields.put("Type", Output.text(job, "type"));
            fields.put("Priority", Output.text(job, "priority"));
            fields.put("Status", Output.text(job, "status"));
            fields.put("Version", Output.text(job, "version") + (job.path("stable").asBoolean() ? " (stable)" : ""));
            fields.put("Submitted", Output.ago(Output.text(job, "submitted_at"), now));
            Output.fields(out(), fields);
            List<List<String>> groups = new ArrayList<>();
            for (JsonNode g : job.path("groups")) {
                groups.add(List.of(Output.text(g, "name"), Output.text(g, "count"),
                        Output.pairs(g.path("allocations")).replace(',', ' ')));
            }
            if (!groups.isEmpty()) {
                out().println();
                Output.table(out(), List.of("GROUP", "COUNT", "ALLOCATIONS BY STATE"), groups);
            }
            if (deployment != null) {
                out().println();
                out().println("Deployment (version " + Output.text(deployment, "job_version") + ")");
                out().println("Status = " + Output.text(deployment, "status") + describe(deployment));
                List<List<String>> rows = new ArrayList<>();
                for (JsonNode g : deployment.path("groups")) {
                    rows.add(List.of(Output.text(g, "group"), Output.text(g, "desired_total"),
                            Output.text(g, "placed"), Output.text(g, "healthy"), Output.text(g, "unhealthy"),
                            g.path("desired_canaries").asInt() == 0 ? "-"
                                    : g.path("placed_canaries").size() + "/" + g.path("desired_canaries").asInt()
                                    + (g.path("promoted").asBoolean() ? " promoted" : "")));
                }
                Output.table(out(), List.of("GROUP", "DESIRED", "PLACED", "HEALTHY", "UNHEALTHY", "CANARIES"),
                        rows);
            }
            out().println();
            out().println("Allocations");
            AllocCommand.table(out(), Allocations.items(allocs), now);
            return ExitCodes.OK;
        }

        private static String describe(JsonNode deployment) {
            String d = Output.text(deployment, "status_description");
            return d.isEmpty() ? "" : " (" + d + ")";
        }
    }

    /** {@code berth job ls}. */
    @Command(name = "ls", aliases = "list", description = "List the jobs.")
    static final class Ls extends ApiCommand {
        @Option(names = "--prefix", paramLabel = "PREFIX", description = "Only jobs whose id starts with PREFIX.")
        String prefix;

        @Option(names = "--json", description = "Print a JSON array of the job summaries.")
        boolean json;

        @Override
        protected int run(ApiClient client) throws ApiException, ApiUnreachableException {
            List<JsonNode> jobs = new ArrayList<>();
            String next = "";
            do {
                StringBuilder q = new StringBuilder("/v1/jobs?per_page=500");
                if (prefix != null) {
                    q.append("&prefix=").append(ApiClient.encode(prefix));
                }
                if (!next.isEmpty()) {
                    q.append("&next_token=").append(ApiClient.encode(next));
                }
                JsonNode page = client.get(q.toString()).body();
                page.path("jobs").forEach(jobs::add);
                next = Output.text(page, "next_token");
            } while (!next.isEmpty());
            if (json) {
                printJson(ApiClient.JSON.valueToTree(jobs));
                return ExitCodes.OK;
            }
            if (jobs.isEmpty()) {
                out().println("No jobs" + (prefix == null ? "" : " with an id starting with '" + prefix + "'"));
                return ExitCodes.OK;
            }
            Instant now = Instant.now();
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode j : jobs) {
                rows.add(List.of(Output.text(j, "id"), Output.text(j, "type"), Output.text(j, "priority"),
                        Output.text(j, "status"), Output.text(j, "version"),
                        Output.ago(Output.text(j, "submitted_at"), now)));
            }
            Output.table(out(), List.of("ID", "TYPE", "PRIORITY", "STATUS", "VERSION", "SUBMITTED"), rows);
            return ExitCodes.OK;
        }
    }

    /** {@code berth job plan FILE}. */
    @Command(name = "plan", description = {"Show what submitting a job would do, changing nothing: what would be "
            + "placed, stopped and updated, and why what fits nowhere does not fit.",
            "Exits with 1 when some allocation would fit nowhere (as nomad job plan does)."})
    static final class Plan extends ApiCommand {
        @Parameters(paramLabel = "FILE", description = "The job spec (JSON, or YAML for .yaml/.yml).")
        Path file;

        @Option(names = "--json", description = "Print the plan as the API returns it.")
        boolean json;

        @Override
        protected int run(ApiClient client) throws ApiException, ApiUnreachableException {
            Job job;
            try {
                job = JobFile.read(file);
            } catch (JobFile.Unusable e) {
                err().println(name() + ": " + e.getMessage());
                return e.exitCode();
            }
            JsonNode plan = client.post(path(job.id()) + "/plan", JobFile.body(job)).body();
            if (json) {
                printJson(plan);
                return ExitCodes.OK;
            }
            out().println("job " + job.id() + ": " + (plan.path("changed").asBoolean()
                    ? "would be version " + Output.text(plan, "job_version")
                    : "unchanged (version " + Output.text(plan, "job_version") + ")"));
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode g : plan.path("groups")) {
                rows.add(List.of(Output.text(g, "group"), Output.text(g, "place"),
                        Output.text(g, "destructive_update"), Output.text(g, "canary"), Output.text(g, "stop"),
                        Output.text(g, "preempt"), Output.text(g, "unplaced"), Output.text(g, "ignore")));
            }
            Output.table(out(), List.of("GROUP", "PLACE", "UPDATE", "CANARY", "STOP", "PREEMPT", "UNPLACED",
                    "IGNORE"), rows);
            for (JsonNode p : plan.path("placements")) {
                out().println("  place " + Output.text(p, "name") + " on " + Output.text(p, "node")
                        + (p.path("canary").asBoolean() ? " (canary)" : "")
                        + (Output.text(p, "replaces").isEmpty() ? "" : ", replacing "
                        + Output.shortId(Output.text(p, "replaces"))));
            }
            for (JsonNode s : plan.path("stops")) {
                out().println("  stop " + Output.shortId(Output.text(s, "allocation_id")) + " on "
                        + Output.text(s, "node") + ": " + Output.text(s, "reason"));
            }
            String explanation = Output.text(plan, "explanation");
            if (!explanation.isEmpty()) {
                out().println();
                out().println(explanation.strip());
            }
            // Nomad's convention: a plan that cannot place everything is worth a non-zero exit in scripts
            return plan.path("failures").isEmpty() ? ExitCodes.OK : ExitCodes.FAILED;
        }
    }

    /** {@code berth job history ID}. */
    @Command(name = "history", description = "List a job's versions.")
    static final class History extends ApiCommand {
        @Parameters(paramLabel = "JOB", description = "The job id.")
        String jobId;

        @Option(names = "--json", description = "Print every version with its spec as JSON.")
        boolean json;

        @Override
        protected int run(ApiClient client) throws ApiException, ApiUnreachableException {
            JsonNode versions = client.get(path(jobId) + "/versions").body();
            JsonNode list = versions.isArray() ? versions : versions.path("versions");
            if (json) {
                printJson(list);
                return ExitCodes.OK;
            }
            Instant now = Instant.now();
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode v : list) {
                JsonNode spec = v.path("spec");
                StringBuilder counts = new StringBuilder();
                for (JsonNode g : spec.path("groups")) {
                    counts.append(counts.length() == 0 ? "" : ",").append(Output.text(g, "name")).append('=')
                            .append(g.path("count").asInt(1));
                }
                rows.add(List.of(Output.text(v, "version"), v.path("stable").asBoolean() ? "yes" : "no",
                        Output.ago(Output.text(v, "submitted_at"), now), counts.toString()));
            }
            Output.table(out(), List.of("VERSION", "STABLE", "SUBMITTED", "GROUPS"), rows);
            return ExitCodes.OK;
        }
    }

    /** {@code berth job revert ID VERSION}. */
    @Command(name = "revert", description = "Register an earlier version of a job again (as a new version).")
    static final class Revert extends ApiCommand {
        @Parameters(index = "0", paramLabel = "JOB", description = "The job id.")
        String jobId;

        @Parameters(index = "1", paramLabel = "VERSION", description = "The version to go back to.")
        long version;

        @Option(names = "--json", description = "Print the API's answer as JSON.")
        boolean json;

        @Override
        protected int run(ApiClient client) throws ApiException, ApiUnreachableException {
            ObjectNode body = ApiClient.JSON.createObjectNode().put("version", version);
            JsonNode answer = client.post(path(jobId) + "/revert", body).body();
            if (json) {
                printJson(answer);
            } else {
                out().println("job " + jobId + ": version " + version + " registered again as version "
                        + Output.text(answer, "version"));
            }
            return ExitCodes.OK;
        }
    }

    /** {@code berth job scale ID GROUP COUNT}. */
    @Command(name = "scale", description = "Set how many instances of a group run.")
    static final class Scale extends ApiCommand {
        @Parameters(index = "0", paramLabel = "JOB", description = "The job id.")
        String jobId;

        @Parameters(index = "1", paramLabel = "GROUP", description = "The group.")
        String group;

        @Parameters(index = "2", paramLabel = "COUNT", description = "The new count (0 or more).")
        int count;

        @Option(names = "--json", description = "Print the API's answer as JSON.")
        boolean json;

        @Override
        protected int run(ApiClient client) throws ApiException, ApiUnreachableException {
            if (count < 0) {
                throw new IllegalArgumentException("COUNT: must be 0 or more, got " + count);
            }
            ObjectNode body = ApiClient.JSON.createObjectNode().put("group", group).put("count", count);
            JsonNode answer = client.post(path(jobId) + "/scale", body).body();
            if (json) {
                printJson(answer);
            } else {
                out().println("job " + jobId + ": group " + group + " scaled to " + count + " (version "
                        + Output.text(answer, "version") + ")");
            }
            return ExitCodes.OK;
        }
    }

    /** {@code berth job promote ID}. */
    @Command(name = "promote", description = "Promote the canaries of a job's deployment so the update rolls on.")
    static final class Promote extends ApiCommand {
        @Parameters(paramLabel = "JOB", description = "The job id.")
        String jobId;

        @Option(names = "--json", description = "Print the API's answer as JSON.")
        boolean json;

        @Override
        protected int run(ApiClient client) throws ApiException, ApiUnreachableException {
            JsonNode answer = client.post("/v1/deployments/" + ApiClient.encode(jobId) + "/promote",
                    ApiClient.JSON.createObjectNode()).body();
            if (json) {
                printJson(answer);
            } else {
                out().println("job " + jobId + ": canaries promoted");
            }
            return ExitCodes.OK;
        }
    }

    /** {@code berth job stop ID}. */
    @Command(name = "stop", description = "Stop a job's allocations (the job stays, stopped, unless --purge).")
    static final class Stop extends ApiCommand {
        @Parameters(paramLabel = "JOB", description = "The job id.")
        String jobId;

        @Option(names = "--purge", description = "Remove the job and its versions entirely.")
        boolean purge;

        @Option(names = "--json", description = "Print the API's answer as JSON.")
        boolean json;

        @Override
        protected int run(ApiClient client) throws ApiException, ApiUnreachableException {
            JsonNode answer = client.delete(path(jobId) + "?purge=" + purge).body();
            if (json) {
                printJson(answer);
            } else {
                out().println("job " + jobId + (purge ? ": stopped and purged" : ": stopped"));
            }
            return ExitCodes.OK;
        }
    }
}
