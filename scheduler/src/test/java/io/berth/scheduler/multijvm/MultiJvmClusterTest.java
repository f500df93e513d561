package io.berth.scheduler.multijvm;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.scheduler.hollow.ChildJvm;
import io.berth.scheduler.hollow.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Berth clusters of separate JVMs on loopback: scheduler nodes ({@code SchedulerNodeMain}) and hollow-agent nodes
 * ({@code HollowCluster}), driven over their stdin and stdout, SIGKILLed mid-run.
 */
class MultiJvmClusterTest {
    private static final Duration START = Duration.ofSeconds(120);
    private static final Duration ANSWER = Duration.ofSeconds(30);
    private static final Duration CONVERGE = Duration.ofSeconds(150);
    /**
     * Short enough for a test; long enough that a busy 2-core machine does not down nodes by mistake. The job
     * store's majority read and write timeouts are longer than in production because the four JVMs share two cores
     * (with other work): a node starved for three seconds would otherwise fail a majority that is there.
     */
    private static final List<String> JVM_ARGS = List.of(
            "-Dpekko.cluster.split-brain-resolver.stable-after=4s",
            "-Dberth.jobs.write-timeout=10s",
            "-Dberth.jobs.read-timeout=10s",
            "-Dberth.scheduler.failover-grace=3s",
            "-Dberth.scheduler.min-heartbeat-interval=2s");

    /** Under target/, so that the JVMs' logs stay for a look after a failure. */
    private static Path work(String test) {
        return Path.of("target", "multijvm", test + "-" + System.currentTimeMillis());
    }

    @Test
    void losesNoAcknowledgedJobAndPlacesThemAllWhenTheSingletonHostIsKilledMidStream() {
        try (LocalCluster cluster = new LocalCluster(work("failover"), JVM_ARGS)) {
            ChildJvm s1 = cluster.startScheduler("s1", "256m");
            ChildJvm s2 = cluster.startScheduler("s2", "256m");
            ChildJvm s3 = cluster.startScheduler("s3", "256m");
            ChildJvm agents = cluster.startHollow("agents", 0, 12, "256m", List.of());
            LocalCluster.awaitUp(List.of(s1, s2, s3, agents), START);
            agents.await("registered", START);
            awaitMembers(s2, 3, 1);
            s2.send("oldest");
            ChildJvm host = cluster.byAddress(s2.await("oldest", ANSWER).substring("oldest ".length()));
            assertThat(host).as("the singleton's host").isEqualTo(s1);

            int total = 30;
            for (int i = 0; i < total; i++) {
                s2.send(String.format("job stream-%03d 2", i));
                if (i == total / 3) {
                    host.kill();
                }
                sleep(100);
            }
            Map<String, Long> acked = new LinkedHashMap<>();
            List<String> notAcked = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                String[] answer = s2.await(l -> l.startsWith("acked ") || l.startsWith("rejected ")
                        || l.startsWith("failed "), "an answer to a registration", ANSWER).split(" ", 3);
                if (answer[0].equals("acked")) {
                    acked.put(answer[1], Long.parseLong(answer[2]));
                } else {
                    notAcked.add(String.join(" ", answer));
                }
            }
            // a write needs s2 and s3 only, so most are acknowledged even while s1 is unreachable
            assertThat(acked).as("not acknowledged: %s", notAcked).hasSizeGreaterThan(total / 2);

            for (Map.Entry<String, Long> job : acked.entrySet()) {
                s3.send("get " + job.getKey());
                assertThat(s3.await("job " + job.getKey(), ANSWER)).as("acknowledged job %s read on s3", job.getKey())
                        .isEqualTo("job " + job.getKey() + " " + job.getValue() + " 2");
            }
            for (String job : acked.keySet()) {
                awaitPlaced(s2, job, 2, node -> true);
            }
            s2.send("status");
            assertThat(s2.await("status", ANSWER)).as("the singleton moved off the killed JVM")
                    .doesNotStartWith("status " + addressOf(cluster, s1));
        }
    }

    @Test
    void placesTheAllocationsOfAKilledAgentJvmOnTheRemainingNodes() {
        try (LocalCluster cluster = new LocalCluster(work("agent-loss"), JVM_ARGS)) {
            ChildJvm scheduler = cluster.startScheduler("s1", "256m");
            ChildJvm doomed = cluster.startHollow("doomed", 6, 6, "256m", List.of());
            LocalCluster.awaitUp(List.of(scheduler, doomed), START);
            doomed.await("registered", START);

            // six instances on distinct hosts while only the doomed JVM's six nodes exist: one on each
            scheduler.send("job web 6 distinct");
            assertThat(scheduler.await("acked web", ANSWER)).startsWith("acked web ");
            List<String> before = awaitPlaced(scheduler, "web", 6, node -> true);
            assertThat(before).allSatisfy(n -> assertThat(nodeIndex(n)).isBetween(6, 11));

            ChildJvm survivors = cluster.startHollow("survivors", 0, 6, "256m", List.of());
            survivors.await("up", START);
            survivors.await("registered", START);
            doomed.kill();

            List<String> after = awaitPlaced(scheduler, "web", 6, node -> nodeIndex(node) < 6);
            assertThat(after).doesNotHaveDuplicates().allSatisfy(n -> assertThat(nodeIndex(n)).isBetween(0, 5));
        }
    }

    private static String addressOf(LocalCluster cluster, ChildJvm s1) {
        return "pekko://berth@127.0.0.1:" + cluster.port(s1);
    }

    private static int nodeIndex(String node) {
        return Integer.parseInt(node.substring("hollow-".length()));
    }

    /**
     * Waits until the singleton wants {@code count} allocations of {@code job} and all of them run on nodes that
     * {@code where} accepts; returns those nodes.
     */
    private static List<String> awaitPlaced(ChildJvm scheduler, String job, int count,
                                            java.util.function.Predicate<String> where) {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            scheduler.send("placed " + job);
            last = scheduler.await(l -> l.startsWith("placed " + job + " ") || l.startsWith("failed placed " + job),
                    "placed " + job, ANSWER);
            String[] w = last.split(" ");
            if (w[0].equals("placed") && Integer.parseInt(w[2]) == count && Integer.parseInt(w[4]) == count) {
                List<String> nodes = List.of(w[6].split(","));
                if (nodes.stream().allMatch(where)) {
                    return nodes;
                }
            }
            sleep(500);
        }
        throw new AssertionError("job " + job + " not converged to " + count + " running instances in " + CONVERGE
                + "; last: " + last);
    }

    private static void awaitMembers(ChildJvm scheduler, int schedulers, int agents) {
        long deadline = System.nanoTime() + START.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            scheduler.send("members");
            last = scheduler.await("members", ANSWER);
            if (last.equals("members " + schedulers + " " + agents)) {
                return;
            }
            sleep(250);
        }
        throw new AssertionError(scheduler + " never saw " + schedulers + " schedulers and " + agents
                + " agent JVMs up; last: " + last);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
