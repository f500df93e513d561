package io.berth.protocol.job;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One container.
 *
 * @param image an image reference, {@code name[:tag][@digest]}
 * @param command replaces the image's entrypoint when not empty
 * @param args replaces the image's cmd when not empty
 * @param network defaults to {@link NetworkMode#BRIDGE}
 * @param stopSignal sent to stop the task (default {@code SIGTERM}); after {@code stopTimeout} (default 10s)
 *     it is killed
 */
public record Task(
        String name,
        String image,
        List<String> command,
        List<String> args,
        Map<String, String> env,
        Resources resources,
        NetworkMode network,
        List<Port> ports,
        List<Volume> volumes,
        List<HealthCheck> checks,
        RestartPolicy restart,
        String stopSignal,
        Duration stopTimeout,
        Map<String, String> meta) {

    public static final String DEFAULT_STOP_SIGNAL = "SIGTERM";
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);

    public Task {
        command = Copies.list(command);
        args = Copies.list(args);
        env = Copies.map(env);
        resources = Copies.or(resources, Resources.DEFAULT);
        network = Copies.or(network, NetworkMode.BRIDGE);
        ports = Copies.list(ports);
        volumes = Copies.list(volumes);
        checks = Copies.list(checks);
        restart = Copies.or(restart, RestartPolicy.DEFAULT);
        stopSignal = Copies.or(stopSignal, DEFAULT_STOP_SIGNAL);
        stopTimeout = Copies.or(stopTimeout, DEFAULT_STOP_TIMEOUT);
        meta = Copies.map(meta);
    }
}
