package io.berth.ops.bench;

import io.berth.scheduler.hollow.EndToEndBench;
import io.berth.scheduler.placement.bench.EngineBenchmark;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code berth bench schedule}: the placement engine alone ({@link EngineBenchmark}) at 1,000, 5,000 and 10,000
 * nodes, then end to end through a cluster of separate JVMs on loopback ({@link EndToEndBench}): one scheduler
 * JVM, 5,000 hollow agents in at least two other JVMs, 1,000 jobs x 100 instances timed from the first
 * registration until every instance is reported running, and the scheduler's heap at the end.
 */
@Command(name = "schedule", description = "Benchmark scheduling: the placement engine alone (placements/s at 1k, 5k, "
        + "10k nodes), then end to end with hollow agents in other JVMs.")
public final class ScheduleBench implements Callable<Integer> {
    /** The floor for the end-to-end run: this many instances in under a minute. */
    private static final long E2E_FLOOR_INSTANCES = 100_000;

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON object: engine_placements_per_s (and per wall second) "
            + "by node count, e2e_seconds, e2e_instances, scheduler_heap_mb.")
    boolean json;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the engine's random clusters and jobs "
            + "(default: ${DEFAULT-VALUE}).")
    long seed = 42;

    @Option(names = "--nodes", paramLabel = "N", description = "Hollow nodes end to end (default: ${DEFAULT-VALUE}).")
    int nodes = 5_000;

    @Option(names = "--jobs", paramLabel = "N", description = "Jobs registered end to end (default: ${DEFAULT-VALUE}).")
    int jobs = 1_000;

    @Option(names = "--count", paramLabel = "N", description = "Instances per job (default: ${DEFAULT-VALUE}).")
    int count = 100;

    @Option(names = "--skip-engine", description = "Only the end-to-end run.")
    boolean skipEngine;

    @Option(names = "--skip-e2e", description = "Only the engine.")
    boolean skipE2e;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter progress = spec.commandLine().getErr();
        if (nodes < 2 || jobs < 1 || count < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--nodes must be at least 2 (two hollow JVMs), --jobs and --count at least 1");
        }
        Map<Integer, EngineBenchmark.Measurement> engine = skipEngine ? null : EngineBenchmark.run(seed);
        if (!json && engine != null) {
            out.println(EngineBenchmark.toTable(engine));
            out.flush();
        }
        EndToEndBench.Result e2e = skipE2e ? null : endToEnd(progress);
        if (json) {
            out.println(toJson(engine, e2e));
        } else if (e2e != null) {
            out.println(toTable(e2e));
        }
        out.flush();
        return 0;
    }

    private EndToEndBench.Result endToEnd(PrintWriter progress) {
        Path work;
        try {
            work = Files.createTempDirectory("berth-bench-schedule");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a work directory for the end-to-end run", e);
        }
        EndToEndBench.Result result = EndToEndBench.run(nodes, jobs, count, work, progress);
        if (result.complete()) {
            deleteTree(work);
        } else {
            progress.println("the run did not complete; the JVMs' logs are in " + work.resolve("logs"));
        }
        return result;
    }

    private String toTable(EndToEndBench.Result r) {
        String verdict = r.instances() >= E2E_FLOOR_INSTANCES && r.complete() && r.seconds() < 60
                ? "meets the floor (100,000 instances in under 60 s)"
                : r.expected() < E2E_FLOOR_INSTANCES ? "smaller than the floor's run (100,000 instances)"
                : "BELOW the floor (100,000 instances in under 60 s)";
        return String.format(Locale.ROOT, "end to end: %,d hollow nodes in %d JVMs besides the scheduler's, %,d jobs "
                        + "x %,d%n  %,d of %,d instances reported running in %.1f s (%,.0f instances/s)%s%n"
                        + "  %s; %,d placements made%n"
                        + "  heap at the end: scheduler %,d MiB, largest hollow JVM %,d MiB for %,d nodes (Pekko's own "
                        + "baseline included)%n  %s",
                nodes, r.hollowJvms(), jobs, count, r.instances(), r.expected(), r.seconds(),
                r.instances() / r.seconds(), r.complete() ? "" : " - STALLED", registrations(r), r.placements(),
                r.schedulerHeapMb(), r.hollowHeapMb(), (nodes + r.hollowJvms() - 1) / r.hollowJvms(), verdict);
    }

    private String registrations(EndToEndBench.Result r) {
        if (r.jobsAcknowledged() < 0) {
            return "the job store did not answer every registration";
        }
        return String.format(Locale.ROOT, "the job store answered every registration after %.1f s, %,d of %,d "
                + "acknowledged", r.registerSeconds(), r.jobsAcknowledged(), jobs);
    }

    private static String toJson(Map<Integer, EngineBenchmark.Measurement> engine, EndToEndBench.Result e2e) {
        StringBuilder b = new StringBuilder("{");
        if (engine != null) {
            String e = EngineBenchmark.toJson(engine);
            b.append(e, 1, e.length() - 1);
        } else {
            b.append("\"engine_placements_per_s\": null");
        }
        if (e2e != null) {
            b.append(String.format(Locale.ROOT, ", \"e2e_seconds\": %.2f, \"e2e_instances\": %d, "
                            + "\"e2e_expected_instances\": %d, \"e2e_complete\": %b, \"e2e_hollow_jvms\": %d, "
                            + "\"e2e_placements\": %d, \"e2e_jobs_acknowledged\": %d, \"scheduler_heap_mb\": %d, "
                            + "\"hollow_heap_mb\": %d", e2e.seconds(), e2e.instances(), e2e.expected(), e2e.complete(),
                    e2e.hollowJvms(), e2e.placements(), e2e.jobsAcknowledged(), e2e.schedulerHeapMb(),
                    e2e.hollowHeapMb()));
        } else {
            b.append(", \"e2e_seconds\": null, \"e2e_instances\": null, \"scheduler_heap_mb\": null");
        }
        return b.append('}').toString();
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary directory is harmless
        }
    }
}
