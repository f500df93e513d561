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
     * @param instances    instances running when the run ended: the scheduler's count when complete, else the
     *                     agents'
     * @param seconds      from the first registration until the scheduler saw every instance running, or until
     *                     the run stalled
     * @param complete     whether every instance was reported running
     * @param schedulerHeapMb the scheduler JVM's heap in use at the end, after a full GC
     * @param registerSeconds from the first registration until the job store answered the last one (-1 if it
     *                     did not within a minute of the end)
     * @param jobsAcknowledged registrations the job store acknowledged (the rest were refused or timed out), -1
     *                     when it did not answer them all
     * @param placements   allocations the scheduler placed (more than {@code expected} when it replaced some)
     * @param hollowHeapMb the largest heap in use of a hollow JVM at the end, after a full GC
     */
    public record Result(long instances, long expected, double seconds, boolean complete, long schedulerHeapMb,
                         double registerSeconds, long jobsAcknowledged, int hollowJvms, long placements,
                         long hollowHeapMb) {}

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
            long reported = 0;
            long confirmed = 0;
            long lastProgress = System.nanoTime();
            long lastSaid = 0;
            long lastAsked = 0;
            while (confirmed < expected) {
                sleep(50);
                if (registerSeconds < 0 && scheduler.latest("jobs-done") != null) {
                    registerSeconds = (System.nanoTime() - start) / 1e9;
                    say(log, String.format("%.1f s: the job store answered every registration (%s)",
                            registerSeconds, scheduler.latest("jobs-done")));
                }
                long now = runningSum(hollow);
                if (now != reported) {
                    reported = now;
                    lastProgress = System.nanoTime();
                }
                // the agents' count can include instances the scheduler has since replaced: the scheduler's own
                // view decides, asked only near the end because listing every allocation is not free
                if (reported >= expected && System.nanoTime() - lastAsked > 1_000_000_000L) {
                    lastAsked = System.nanoTime();
                    scheduler.send("running");
                    String[] w = scheduler.await("running", Duration.ofSeconds(60)).split(" ");
                    confirmed = Long.parseLong(w[1]) == expected ? Long.parseLong(w[2]) : 0;
                }
                if (System.nanoTime() - lastSaid > 5_000_000_000L) {
                    lastSaid = System.nanoTime();
                    say(log, String.format("%.0f s: agents report %,d of %,d running", (lastSaid - start) / 1e9,
                            reported, expected));
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
            double seconds = (System.nanoTime() - start) / 1e9;
            boolean complete = confirmed == expected;
            if (registerSeconds < 0) {
                // instances can run before the job store acknowledges their job to the client
                try {
                    scheduler.await("jobs-done", STALLED);
                    registerSeconds = (System.nanoTime() - start) / 1e9;
                } catch (IllegalStateException e) {
                    say(log, "the job store did not answer every registration: " + e.getMessage());
                }
            }
            scheduler.send("status");
            String status = scheduler.await("status", Duration.ofSeconds(60));
            long placements = Long.parseLong(status.substring(status.lastIndexOf(' ') + 1));
            scheduler.send("heap");
            long heap = Long.parseLong(scheduler.await("heap", Duration.ofSeconds(60)).split(" ")[1]);
            long hollowHeap = 0;
            for (ChildJvm h : hollow) {
                h.send("heap");
                hollowHeap = Math.max(hollowHeap, Long.parseLong(h.await("heap", Duration.ofSeconds(60)).split(" ")[1]));
            }
            String done = scheduler.latest("jobs-done");
            long acknowledged = done == null ? -1 : Long.parseLong(done.split(" ")[1]);
            return new Result(complete ? confirmed : reported, expected, seconds, complete, heap, registerSeconds,
                    acknowledged, hollowJvms, placements, hollowHeap);
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
