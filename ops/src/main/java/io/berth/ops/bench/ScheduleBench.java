package io.berth.ops.bench;

import io.berth.scheduler.placement.bench.EngineBenchmark;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code berth bench schedule}: the placement engine alone ({@link EngineBenchmark}) at 1,000, 5,000 and 10,000
 * nodes. The end-to-end half of the benchmark (hollow agents in other JVMs, 1,000 jobs x 100 instances) needs the
 * scheduler cluster, which does not exist yet: it is reported as not run, never estimated.
 */
@Command(name = "schedule", description = "Benchmark the placement engine (placements/s at 1k, 5k, 10k nodes).")
public final class ScheduleBench implements Callable<Integer> {
    private static final String E2E_MISSING = "not run: the end-to-end benchmark needs the scheduler cluster and "
            + "hollow agents, which do not exist yet";

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON object: engine_placements_per_s by node count, and the "
            + "end-to-end fields (null until the cluster exists).")
    boolean json;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the random clusters and jobs (default: ${DEFAULT-VALUE}).")
    long seed = 42;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Map<Integer, EngineBenchmark.Measurement> result = EngineBenchmark.run(seed);
        if (json) {
            String engine = EngineBenchmark.toJson(result);
            out.println(engine.substring(0, engine.length() - 1) + ", \"e2e_seconds\": null, \"e2e_instances\": null, "
                    + "\"scheduler_heap_mb\": null, \"e2e_status\": \"" + E2E_MISSING + "\"}");
        } else {
            out.println(EngineBenchmark.toTable(result));
            out.println("end to end: " + E2E_MISSING);
        }
        out.flush();
        return 0;
    }
}
