package io.berth.ops.bench;

import picocli.CommandLine.Command;

/** {@code berth bench}: one subcommand per benchmark. */
@Command(name = "bench", description = "Measure Berth against its peers.",
        subcommands = {RuntimeBench.class, AgentBench.class, ScheduleBench.class, PullBench.class, ApiBench.class,
                picocli.CommandLine.HelpCommand.class})
public final class BenchCommand {}
