package io.berth.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Follows a job version's rollout through blocking queries, printing a line whenever its progress changes,
 * until it is healthy or failed. A job with a deployment (services, system jobs) is followed through
 * {@code /v1/jobs/{id}/deployment}; one without (batch) through its allocations, until each has started
 * (or ended).
 */
public final class DeploymentFollower {

    /** How the rollout ended; {@code allocations} as the API last listed them. */
    public record Outcome(boolean healthy, String summary, JsonNode deployment, JsonNode allocations) {}

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final ApiClient client;
    private final PrintWriter progress;
    private final Clock clock;

    /** @param progress where the progress lines go; null for none */
    public DeploymentFollower(ApiClient client, PrintWriter progress, Clock clock) {
        this.client = client;
        this.progress = progress;
        this.clock = clock;
    }

    /**
     * Follows version {@code version} of {@code jobId} for at most {@code timeout}.
     *
     * @return the outcome; not healthy when the deployment failed, an allocation failed, or time ran out
     */
    public Outcome follow(String jobId, long version, Duration timeout)
            throws ApiException, ApiUnreachableException {
        Instant deadline = clock.instant().plus(timeout);
        String id = ApiClient.encode(jobId);
        String last = "";
        long index = 0;
        while (true) {
            JsonNode deployment = deployment(id);
            ApiClient.Response allocs = client.get("/v1/jobs/" + id + "/allocations");
            List<JsonNode> mine = ofVersion(allocs.body(), version);
            String line;
            Boolean done;
            if (deployment != null && deployment.path("job_version").asLong(-1) == version) {
                line = describe(deployment, mine);
                // a canary deployment waiting to be promoted by hand has done all it can alone
                String status = Output.text(deployment, "status");
                done = status.equals("successful") || status.equals("awaiting_promotion") ? Boolean.TRUE
                        : status.equals("failed") || status.equals("cancelled") ? Boolean.FALSE : null;
            } else if (deployment == null && !mine.isEmpty()) {
                line = counts(mine);
                done = allStarted(mine);
            } else {
                line = "waiting for the scheduler to place version " + version;
                done = null;
            }
            if (!line.equals(last)) {
                if (progress != null) {
                    progress.println(Output.shortTime(clock.instant()) + "  " + line);
                    progress.flush();
                }
                last = line;
            }
            if (done != null) {
                return new Outcome(done, line, deployment, allocs.body());
            }
            Duration left = Duration.between(clock.instant(), deadline);
            if (left.isNegative() || left.isZero()) {
                return new Outcome(false, "gave up after " + Output.span(timeout) + ": " + line, deployment,
                        allocs.body());
            }
            // wake on the next change of the job's allocations (or after WAIT, for the deployment's timers)
            Duration wait = left.compareTo(WAIT) < 0 ? left : WAIT;
            index = Math.max(index, allocs.index());
            client.watch("/v1/jobs/" + id + "/allocations", index, wait);
        }
    }

    private JsonNode deployment(String id) throws ApiException, ApiUnreachableException {
        try {
            return client.get("/v1/jobs/" + id + "/deployment").body();
        } catch (ApiException e) {
            if (e.status() == 404) {
                return null; // the job was just registered, so it has no deployment (batch) or none yet
            }
            throw e;
        }
    }

    /** The allocations of the list that belong to {@code version}. */
    static List<JsonNode> ofVersion(JsonNode list, long version) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode a : Allocations.items(list)) {
            if (a.path("job_version").asLong(-1) == version) {
                out.add(a);
            }
        }
        return out;
    }

    /** "deployment successful: frontend 3/3 healthy (3 running)". */
    private static String describe(JsonNode deployment, List<JsonNode> allocs) {
        StringBuilder b = new StringBuilder("deployment ").append(Output.text(deployment, "status").replace('_', ' '));
        String sep = ": ";
        for (JsonNode g : deployment.path("groups")) {
            b.append(sep).append(Output.text(g, "group")).append(' ').append(g.path("healthy").asInt()).append('/')
                    .append(g.path("desired_total").asInt()).append(" healthy");
            if (g.path("unhealthy").asInt() > 0) {
                b.append(", ").append(g.path("unhealthy").asInt()).append(" unhealthy");
            }
            if (g.path("desired_canaries").asInt() > 0) {
                b.append(", ").append(g.path("placed_canaries").size()).append('/')
                        .append(g.path("desired_canaries").asInt()).append(" canaries")
                        .append(g.path("promoted").asBoolean() ? " promoted" : "");
            }
            sep = "; ";
        }
        if (!allocs.isEmpty()) {
            b.append(" (").append(counts(allocs)).append(')');
        }
        // while it runs the description only restates the status; afterwards it says what decided it
        String why = Output.text(deployment, "status_description");
        boolean says = !why.isEmpty() && !Output.text(deployment, "status").equals("running");
        return says ? b.append(" - ").append(why).toString() : b.toString();
    }

    /** "2 running, 1 pulling". */
    static String counts(List<JsonNode> allocs) {
        Map<String, Integer> by = new java.util.TreeMap<>();
        for (JsonNode a : allocs) {
            by.merge(Output.text(a, "state").toLowerCase(Locale.ROOT), 1, Integer::sum);
        }
        List<String> parts = new ArrayList<>();
        by.forEach((state, n) -> parts.add(n + " " + state));
        return String.join(", ", parts);
    }

    /** True when all have started or ended well, false when one failed, null while any is on its way. */
    private static Boolean allStarted(List<JsonNode> allocs) {
        boolean waiting = false;
        for (JsonNode a : allocs) {
            switch (Output.text(a, "state").toLowerCase(Locale.ROOT)) {
                case "failed", "oom_killed" -> {
                    return Boolean.FALSE;
                }
                case "exited" -> {
                    if (a.path("exit_code").asInt(0) != 0) {
                        return Boolean.FALSE;
                    }
                }
                case "running", "stopped" -> { }
                default -> waiting = true;
            }
        }
        return waiting ? null : Boolean.TRUE;
    }
}
