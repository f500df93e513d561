package io.berth.runtime.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import io.berth.protocol.oci.runtime.RuntimeSpecs;
import io.berth.runtime.ContainerRuntime;
import io.berth.runtime.ContainerStatus;
import io.berth.runtime.cgroup.CgroupStats;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    @Option(names = "--interval", paramLabel = "DURATION",
            description = "Time between events, as runc takes it: 5s, 500ms, 1m, or plain seconds (default: ${DEFAULT-VALUE}).")
    String interval = "5s";

    @Override
    public Integer call() throws IOException, InterruptedException {
        Duration every = parseInterval(interval);
        ContainerRuntime runtime = cli.runtime();
        requireLive(runtime);
        PrintWriter out = cli.out();
        while (true) {
            out.println(new String(RuntimeSpecs.JSON.writer().without(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsBytes(event(runtime.stats(id))), StandardCharsets.UTF_8));
            out.flush();
            if (stats) {
                return 0;
            }
            Thread.sleep(every.toMillis());
            if (runtime.status(id) == ContainerStatus.STOPPED) {
                return 0;
            }
        }
    }

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");

    static Duration parseInterval(String text) {
        Matcher m = DURATION.matcher(text.strip());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            Duration d = switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofSeconds(n);
            };
            if (!d.isZero()) {
                return d;
            }
        }
        throw new CliException("--interval '" + text + "': give a positive duration such as 5s, 500ms or 1m");
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
