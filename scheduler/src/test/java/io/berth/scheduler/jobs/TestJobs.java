package io.berth.scheduler.jobs;

import io.berth.protocol.job.Job;
import io.berth.protocol.job.JobSpecs;
import java.nio.charset.StandardCharsets;

/** Job specs for the job store's tests: complete ones (checks, durations, constraints), so replicas must keep all. */
final class TestJobs {
    private TestJobs() {}

    /** A web service {@code id} with {@code count} instances greeting with {@code greeting}. */
    static Job web(String id, int count, String greeting) {
        String json = """
                {
                  "id": "%s",
                  "priority": 60,
                  "constraints": [{"attribute": "attr.kernel.version", "operator": "version", "value": ">= 4.15"}],
                  "groups": [{
                    "name": "frontend",
                    "count": %d,
                    "tasks": [{
                      "name": "httpd",
                      "image": "docker.io/library/busybox:1.36",
                      "command": ["httpd", "-f", "-p", "8080"],
                      "env": {"GREETING": "%s"},
                      "resources": {"cpu_mhz": 100, "memory_mb": 32},
                      "network": "bridge",
                      "ports": [{"label": "http", "to": 8080}],
                      "checks": [{"name": "alive", "type": "http", "port": "http", "path": "/", "interval": "2s",
                                  "timeout": "1s"}],
                      "stop_timeout": "5s"
                    }]
                  }]
                }
                """.formatted(id, count, greeting);
        return JobSpecs.parse(id, json.getBytes(StandardCharsets.UTF_8), JobSpecs.Format.JSON);
    }
}
