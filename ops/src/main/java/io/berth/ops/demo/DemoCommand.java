package io.berth.ops.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import io.berth.ops.cli.ApiClient;
import io.berth.ops.cli.ApiException;
import io.berth.ops.cli.ApiUnreachableException;
import io.berth.ops.cli.DeploymentFollower;
import io.berth.ops.cli.ExitCodes;
import io.berth.ops.node.BerthNode;
import io.berth.ops.node.DevNode;
import io.berth.ops.node.Nodes;
import io.berth.protocol.job.InvalidJobException;
import io.berth.protocol.job.Job;
import io.berth.protocol.job.JobSpecs;
import io.berth.runtime.bundle.BusyboxBundle;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The demo: a dev-mode cluster in this process, a busybox image (built from the host's static busybox, or
 * pulled), the example job {@code web} — three busybox httpd instances in bridge mode on dynamic host ports with
 * an HTTP health check — followed until healthy, then a page fetched from each, and the cluster kept running
 * for the other {@code berth} commands until interrupted.
 */
@Command(name = "demo", description = {"Start a one-node cluster, run examples/web.json (3 busybox web servers, "
        + "health-checked), fetch a page from each, and keep running until Ctrl-C.",
        "Needs root: it runs containers. Installs busybox-static through ops/setup-host when it is missing."})
public final class DemoCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--api-port", paramLabel = "PORT", defaultValue = "" + DevNode.DEFAULT_API_PORT,
            description = "The API's port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int apiPort;

    @Option(names = "--job", paramLabel = "FILE",
            description = "The job to run (default: ops/examples/web.json of this Berth).")
    Path jobFile;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "3m",
            description = "How long to wait for the job to become healthy (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Job job;
        Duration limit;
        try {
            Nodes.requireRoot("berth demo");
            limit = io.berth.protocol.job.Durations.parse(timeout);
            job = JobSpecs.parse(jobFile());
            ensureBusybox(out);
        } catch (InvalidJobException | IllegalArgumentException e) {
            err.println("berth demo: " + e.getMessage());
            return ExitCodes.USAGE;
        } catch (IOException | RuntimeException e) {
            err.println("berth demo: " + e.getMessage());
            return ExitCodes.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.FAILED;
        }
        out.println("berth demo: starting a one-node cluster (scheduler, agent, API) ...");
        out.flush();
        DevNode dev;
        try {
            dev = DevNode.start(null, apiPort, ConfigFactory.empty(), BerthNode.AgentHost.defaults());
        } catch (IOException | RuntimeException e) {
            err.println("berth demo: cannot start the cluster: " + e.getMessage());
            return ExitCodes.FAILED;
        }
        Nodes.onSignal(dev.node()::close);
        try {
            int code = run(dev, job, limit, out);
            if (code != ExitCodes.OK) {
                dev.close();
                return code;
            }
            dev.awaitTermination();
            out.println("berth demo: stopped; the allocations are gone and so is " + dev.dataDir());
            return ExitCodes.OK;
        } catch (ApiException | ApiUnreachableException | IOException e) {
            err.println("berth demo: " + e.getMessage());
            dev.close();
            return ExitCodes.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            dev.close();
            return ExitCodes.FAILED;
        }
    }

    private int run(DevNode dev, Job job, Duration limit, PrintWriter out)
            throws IOException, ApiException, ApiUnreachableException, InterruptedException {
        URI api = dev.node().apiAddress();
        out.println("berth demo: API on " + api + ", data in " + dev.dataDir());
        String image = DemoImage.ensure(dev.node().images(), out);
        ApiClient client = new ApiClient(api.toString(), null, null);
        JsonNode registered = client.post("/v1/jobs", withImage(job, image)).body();
        long version = registered.path("version").asLong();
        out.println("berth demo: job " + job.id() + " registered (version " + version + "), image " + image);
        out.flush();
        DeploymentFollower.Outcome outcome = new DeploymentFollower(client, out, Clock.systemUTC())
                .follow(job.id(), version, limit);
        if (!outcome.healthy()) {
            spec.commandLine().getErr().println("berth demo: job " + job.id() + " did not become healthy: "
                    + outcome.summary());
            return ExitCodes.FAILED;
        }
        out.println();
        out.println("berth demo: job " + job.id() + " is healthy; its instances:");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (JsonNode a : running(outcome.allocations(), version)) {
            String port = a.path("ports").path("http").asText("");
            String url = "http://127.0.0.1:" + port + "/";
            out.println("  " + a.path("name").asText() + "  " + url + "  -> " + fetch(http, url));
        }
        out.println();
        out.println("Try, in another terminal:");
        out.println("  ops/bin/berth job status " + job.id());
        out.println("  ops/bin/berth alloc ls");
        out.println("  ops/bin/berth alloc logs -f <ALLOC>");
        out.println("  ops/bin/berth events");
        out.println("Ctrl-C stops the demo: the containers are stopped and the temporary state removed.");
        out.flush();
        return ExitCodes.OK;
    }

    private Path jobFile() {
        if (jobFile != null) {
            return jobFile;
        }
        String home = System.getenv("BERTH_HOME");
        if (home == null) {
            throw new IllegalArgumentException("--job: no job given and BERTH_HOME is not set (run ops/bin/berth, "
                    + "or give --job ops/examples/web.json)");
        }
        return Path.of(home, "ops", "examples", "web.json");
    }

    /** The job as JSON with every task's image replaced by the demo's. */
    private static byte[] withImage(Job job, String image) throws IOException {
        ObjectNode json = (ObjectNode) JSON.readTree(JobSpecs.toJson(job));
        for (JsonNode group : json.path("groups")) {
            for (JsonNode task : group.path("tasks")) {
                ((ObjectNode) task).put("image", image);
            }
        }
        return JSON.writeValueAsBytes(json);
    }

    private static List<JsonNode> running(JsonNode allocations, long version) {
        List<JsonNode> out = new ArrayList<>();
        JsonNode list = allocations.isArray() ? allocations : allocations.path("allocations");
        for (JsonNode a : list) {
            if (a.path("job_version").asLong(-1) == version && a.path("desired_status").asText("run").equals("run")
                    && a.path("state").asText().equalsIgnoreCase("running")) {
                out.add(a);
            }
        }
        return out;
    }

    /** "HTTP 200: hello from ..." (the status and the first line of the page), or why not. */
    private static String fetch(HttpClient http, String url) throws InterruptedException {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                    .build(), HttpResponse.BodyHandlers.ofString());
            String first = r.body().lines().findFirst().orElse("");
            return "HTTP " + r.statusCode() + ": " + first;
        } catch (IOException e) {
            return "failed: " + e;
        }
    }

    /** A fresh machine has no busybox: install it the way the tests do, through ops/setup-host. */
    private static void ensureBusybox(PrintWriter out) throws IOException, InterruptedException {
        String home = System.getenv("BERTH_HOME");
        if (Files.isExecutable(BusyboxBundle.HOST_BUSYBOX) || home == null) {
            return; // without ops/setup-host to hand, the demo pulls busybox instead
        }
        out.println("berth demo: installing busybox-static through ops/setup-host ...");
        out.flush();
        int rc = new ProcessBuilder(home + "/ops/setup-host", "busybox-static").inheritIO().start().waitFor();
        if (rc != 0) {
            out.println("berth demo: ops/setup-host busybox-static failed (exit " + rc + "); pulling busybox instead");
        }
    }
}
