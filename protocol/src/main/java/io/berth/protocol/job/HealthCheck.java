package io.berth.protocol.job;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.List;

/**
 * How the agent decides a task is healthy. {@code exec} runs {@code command} in the container (exit 0 is
 * healthy); {@code http} sends {@code method} (default GET) to {@code path} on the port labelled {@code port}
 * (2xx and 3xx are healthy); {@code tcp} connects to that port. Every {@code interval} (default 10s), each
 * attempt given {@code timeout} (default 2s); failures during {@code grace} (default 0) after start are not
 * counted; {@code failure_threshold} (default 3) consecutive failures make the task unhealthy.
 */
public record HealthCheck(
        String name,
        Type type,
        List<String> command,
        String path,
        String method,
        String port,
        Duration interval,
        Duration timeout,
        Duration grace,
        Integer failureThreshold) {

    public enum Type {
        @JsonProperty("exec") EXEC,
        @JsonProperty("http") HTTP,
        @JsonProperty("tcp") TCP
    }

    public HealthCheck {
        command = Copies.list(command);
        method = type == Type.HTTP ? Copies.or(method, "GET") : method;
        interval = Copies.or(interval, Duration.ofSeconds(10));
        timeout = Copies.or(timeout, Duration.ofSeconds(2));
        grace = Copies.or(grace, Duration.ZERO);
        failureThreshold = Copies.or(failureThreshold, 3);
    }
}
