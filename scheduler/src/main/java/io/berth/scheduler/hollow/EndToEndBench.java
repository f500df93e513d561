package io.berth.scheduler.hollow;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The end-to-end scheduling benchmark: one scheduler JVM, hollow nodes spread over at least two other JVMs, then
 * {@code jobs} service jobs of {@code count} instances registered through the job store, timed from the first
 * registration until the agents have reported every instance RUNNING (counted by the hollow JVMs as they send
 * the reports). The scheduler's heap, after a full GC, is read at the end.
 */
public final class EndToEndBench {
    /** Hollow nodes per JVM at most: 2,500 nodes take about 100 MiB of heap. */
    private static final int NODES_PER_JVM = 2_500;
    private static final Duration START = Duration.ofMinutes(3);
    /** The run gives up when the running count does not move for this long. */
    private static final Duration STALLED = Duration.ofSeconds(60);

    private EndToEndBench() {}

    /**
     * @param instances    instances reported running when the run ended (all of them unless it stalled)
     * @param seconds      from the first registration until the last instance was reported running, or until
     *                     the run stalled
     * @param complete     whether every instance was reported running
     * @param schedulerHeapMb the scheduler JVM's heap in use at the end, after a full GC
     * @param registerSeconds from the first registration until the job store acknowledged the last job
     */
    public record Result(long instances, long expected, double seconds, boolean complete, long schedulerHeapMb,
                         double registerSeconds, int hollowJvms) {}

    /**
     * Runs the benchmark on this machine's loopback.
     *
     * @param workDir the schedulers' data and every JVM's log go here
     * @param log     progress for people; may be null
     * @throws IllegalStateException when a JVM does not start or dies (its log is named)
     */
    public static Result run(int nodes, int jobs, int count, Path workDir, PrintWriter log) {
        int hollowJvms = Math.max(2, (nodes + NODES_PER_JVM - 1) / NODES_PER_JVM);
        long expected = (long) jobs * count;
        try (LocalCluster cluster = new LocalCluster(workDir, List.of("-Dpekko.loglevel=WARNING"))) {
            ChildJvm scheduler = cluster.startScheduler("scheduler", "2g");
            LocalCluster.awaitUp(List.of(scheduler), START);
            List<ChildJvm> hollow = new ArrayList<>();
            int first = 0;
            for (int i = 0; i < hollowJvms; i++) {
                int n = nodes / hollowJvms + (i < nodes % hollowJvms ? 1 : 0);
                hollow.add(cluster.startHollow("hollow-" + i, first, n, "1g", List.of()));
                first += n;
            }
            LocalCluster.awaitUp(hollow, START);
            for (ChildJvm h : hollow) {
                h.await("registered", START);
            }
            say(log, nodes + " hollow nodes in " + hollowJvms + " JVMs registered; registering " + jobs + " jobs x "
                    + count);

            long start = System.nanoTime();
            scheduler.send("jobs bench " + jobs + " " + count);
            double registerSeconds = -1;
            long running = 0;
            long lastProgress = System.nanoTime();
            long lastSaid = 0;
            while (running < expected) {
                sleep(50);
                if (registerSeconds < 0 && scheduler.latest("jobs-done") != null) {
                    registerSeconds = (System.nanoTime() - start) / 1e9;
                    say(log, "job store acknowledged the jobs in " + String.format("%.1f s: ", registerSeconds)
                            + scheduler.latest("jobs-done"));
                }
                long now = runningSum(hollow);
                if (now != running) {
                    running = now;
                    lastProgress = System.nanoTime();
                }
                if (System.nanoTime() - lastSaid > 5_000_000_000L) {
                    lastSaid = System.nanoTime();
                    say(log, String.format("%.0f s: %,d of %,d running", (lastSaid - start) / 1e9, running,
                            expected));
                }
                if (System.nanoTime() - lastProgress > STALLED.toNanos()) {
                    break;
                }
                for (ChildJvm c : cluster.all()) {
                    if (!c.alive()) {
                        throw new IllegalStateException("JVM " + c.name() + " died during the benchmark; see "
                                + c.log());
                    }
                }
            }
            double seconds = ((running == expected ? lastProgress : System.nanoTime()) - start) / 1e9;
            scheduler.send("heap");
            long heap = Long.parseLong(scheduler.await("heap", Duration.ofSeconds(60)).split(" ")[1]);
            return new Result(running, expected, seconds, running == expected, heap, registerSeconds, hollowJvms);
        }
    }

    private static long runningSum(List<ChildJvm> hollow) {
        long sum = 0;
        for (ChildJvm h : hollow) {
            String line = h.latest("running");
            if (line != null) {
                sum += Long.parseLong(line.split(" ")[1]);
            }
        }
        return sum;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void say(PrintWriter log, String line) {
        if (log != null) {
            log.println(line);
            log.flush();
        }
    }
}
