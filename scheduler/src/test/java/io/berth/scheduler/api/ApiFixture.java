package io.berth.scheduler.api;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.berth.protocol.cluster.SchedulerCommand;
import io.berth.scheduler.cluster.BerthCluster;
import io.berth.scheduler.cluster.ClusterSettings;
import io.berth.scheduler.control.SchedulerSingleton;
import io.berth.scheduler.hollow.HollowFleet;
import io.berth.scheduler.hollow.HollowSettings;
import io.berth.scheduler.jobs.JobStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * A whole one-node Berth cluster behind a real HTTP port: a cluster node with both roles, its job store, the
 * scheduler singleton, hollow agents (the real cluster protocol, a fake runtime) and the API on 127.0.0.1 with a
 * free port. Close it to stop everything.
 */
final class ApiFixture implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String MANAGEMENT = "management-token-0123456789";
    static final String READ_ONLY = "read-only-token-0123456789";

    final ActorSystem<Void> system;
    final ActorTestKit kit;
    final ActorRef<JobStore.Command> jobStore;
    final ActorRef<SchedulerCommand> scheduler;
    final ApiServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private String token;

    /**
     * @param hollowNodes how many hollow agents join (0 for none)
     * @param settings    the API's settings; the address is replaced by 127.0.0.1 and a free port
     */
    ApiFixture(Path dir, int hollowNodes, ApiSettings settings) {
        system = BerthCluster.start(new ClusterSettings("api-test", "127.0.0.1", 0,
                EnumSet.allOf(ClusterSettings.Role.class), List.of(), dir, false), Behaviors.empty(),
                ConfigFactory.parseString("""
                        pekko.loglevel = WARNING
                        pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
                        pekko.coordinated-shutdown.run-by-actor-system-terminate = off
                        pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
                        pekko.cluster.gossip-interval = 200ms
                        pekko.cluster.leader-actions-interval = 200ms
                        pekko.cluster.periodic-tasks-initial-delay = 100ms
                        """));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Cluster.get(system).selfMember().status() == MemberStatus.up());
        kit = ActorTestKit.create(system);
        jobStore = kit.spawn(JobStore.create(), "jobs");
        scheduler = SchedulerSingleton.init(system, jobStore);
        if (hollowNodes > 0) {
            kit.spawn(HollowFleet.create(1, hollowNodes,
                    HollowSettings.defaults().withDelays(Duration.ofMillis(20), Duration.ZERO), scheduler,
                    new HollowFleet.Counters()), "hollow");
        }
        server = ApiServer.start(system, settings.withAddress("127.0.0.1", 0), jobStore, scheduler);
    }

    /** Sends this token from now on (null: none). */
    ApiFixture token(String token) {
        this.token = token;
        return this;
    }

    URI uri(String pathAndQuery) {
        return URI.create(server.url() + pathAndQuery);
    }

    HttpRequest.Builder request(String pathAndQuery) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> get(String path) {
        return send(request(path).GET().build());
    }

    HttpResponse<String> post(String path, String body) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    HttpResponse<String> delete(String path) {
        return send(request(path).DELETE().build());
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (" + response.statusCode() + "): " + response.body(), e);
        }
    }

    /** A service job {@code id} of {@code count} busybox tasks that fits hollow nodes. */
    static String webJob(String id, int count) {
        return """
                {
                  "id": "%s",
                  "type": "service",
                  "priority": 60,
                  "datacenters": ["dc1"],
                  "groups": [{
                    "name": "frontend",
                    "count": %d,
                    "tasks": [{
                      "name": "httpd",
                      "image": "docker.io/library/busybox:1.36",
                      "command": ["httpd", "-f", "-p", "8080"],
                      "resources": {"cpu_mhz": 100, "memory_mb": 32},
                      "network": "bridge",
                      "ports": [{"label": "http", "to": 8080}]
                    }]
                  }],
                  "update": {"max_parallel": 2, "min_healthy_time": "0", "healthy_deadline": "1m"}
                }
                """.formatted(id, count);
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            system.terminate();
            try {
                system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("the test node did not stop", e);
            }
        }
    }
}
