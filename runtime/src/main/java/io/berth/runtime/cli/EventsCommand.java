package io.berth.runtime.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import io.berth.protocol.oci.runtime.RuntimeSpec;
import io.berth.protocol.oci.runtime.RuntimeSpecs;
import io.berth.runtime.ContainerRuntime;
import io.berth.runtime.ContainerStatus;
import io.berth.runtime.cgroup.CgroupStats;
import io.berth.runtime.cgroup.Cgroups;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code events}: resource usage as runc prints it, one JSON object a line ({@code {"type":"stats","id":..,
 * "data":{"cpu":..,"memory":..,"pids":..}}}, the shape containerd's go-runc decodes). With {@code --stats}
 * one event, otherwise one every {@code --interval} until the container stops.
 */
@Command(name = "events", description = "Print a container's resource usage as JSON events.")
final class EventsCommand implements Callable<Integer> {
    @ParentCommand
    RuntimeCli cli;

    @Parameters(index = "0", paramLabel = "<container-id>")
    String id;

    @Option(names = "--stats", description = "Print one stats event and exit.")
    boolean stats;

    @Option(names = "--interval", paramLabel = "SECONDS", description = "Seconds between events (default: ${DEFAULT-VALUE}).")
    int intervalSeconds = 5;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (intervalSeconds <= 0) {
            throw new CliException("--interval must be a positive number of seconds, was " + intervalSeconds);
        }
        ContainerRuntime runtime = cli.runtime();
        requireLive(runtime);
        RuntimeSpec spec = runtime.spec(id);
        // The cgroup is found from the container's own cgroupsPath, as the runtime created it.
        var cgroup = Cgroups.detect().open(spec.linux() == null ? null : spec.linux().cgroupsPath(), id);
        PrintWriter out = cli.out();
        while (true) {
            out.println(new String(RuntimeSpecs.JSON.writer().without(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsBytes(event(cgroup.stats())), StandardCharsets.UTF_8));
            out.flush();
            if (stats) {
                return 0;
            }
            Thread.sleep(Duration.ofSeconds(intervalSeconds).toMillis());
            if (runtime.status(id) == ContainerStatus.STOPPED) {
                return 0;
            }
        }
    }

    private void requireLive(ContainerRuntime runtime) {
        ContainerStatus status = runtime.status(id);
        if (status == ContainerStatus.STOPPED) {
            throw new CliException("container '" + id + "' is stopped: it has no resource usage to report");
        }
    }

    private Map<String, Object> event(CgroupStats s) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("cpu", Map.of(
                "usage", Map.of("total", s.cpu().usageTotal(), "user", s.cpu().usageUser(), "kernel", s.cpu().usageKernel()),
                "throttling", Map.of("periods", s.cpu().throttlingPeriods(),
                        "throttledPeriods", s.cpu().throttledPeriods(), "throttledTime", s.cpu().throttledTime())));
        data.put("memory", Map.of(
                "cache", s.memory().cache(),
                "usage", Map.of("usage", s.memory().usage(), "max", s.memory().maxUsage(), "limit", s.memory().limit())));
        data.put("pids", Map.of("current", s.pids().current(), "limit", s.pids().limit()));
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("type", "stats");
        event.put("id", id);
        event.put("data", data);
        return event;
    }
}
