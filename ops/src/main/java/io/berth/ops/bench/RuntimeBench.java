package io.berth.ops.bench;

import io.berth.protocol.oci.runtime.RuntimeSpecs;
import io.berth.runtime.ContainerRuntime;
import io.berth.runtime.CreateOptions;
import io.berth.runtime.ExitStatus;
import io.berth.runtime.Stdio;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code berth bench runtime}: the time from create to a deleted container of {@code /bin/true} in a busybox
 * bundle with pid, mount, ipc, uts and network namespaces and a memory limit, through four runners on the
 * same bundle: Berth's Java API in-process ({@code berth}, warmed up first, as the agent runs it),
 * {@code berth-runtime run} ({@code berth-cli}, a JVM per container), {@code crun run} and {@code runc run}.
 * The runners take turns within each iteration so that the machine's noise falls on all of them alike; every
 * container gets a fresh id and is deleted (the CLIs' {@code run} deletes; for the API, delete is timed too).
 */
@Command(name = "runtime", description = "Benchmark container create+start+wait+delete: Berth in-process, berth-runtime, crun, runc.")
public final class RuntimeBench implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--runs", paramLabel = "N", description = "Measured containers per runner (default: ${DEFAULT-VALUE}).")
    int runs = 50;

    @Option(names = "--warmup", paramLabel = "N",
            description = "At least this many unmeasured in-process containers first, then more until the JIT compiler "
                    + "has settled (default: ${DEFAULT-VALUE}).")
    int warmup = 50;

    @Option(names = "--json", description = "Print one JSON object: runner -> {p50_ms, p90_ms, p99_ms}.")
    boolean json;

    @Option(names = "--berth-runtime", paramLabel = "PATH",
            description = "The berth-runtime launcher (default: a private copy of ops/bin/berth-runtime and of this "
                    + "distribution, which no build in the source tree can change while the benchmark runs).")
    Path berthRuntime;

    /** How long one measured call of a CLI may take; the first berth-runtime call after a build gets more. */
    private static final int CALL_TIMEOUT_S = 60;
    private static final int FIRST_CALL_TIMEOUT_S = 300;

    /** One way to run a container to completion. */
    private interface Runner {
        void runOnce(String id) throws Exception;
    }

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || warmup < 0) {
            throw new IllegalArgumentException("--runs must be at least 1 and --warmup at least 0");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        // State roots on /run (tmpfs), where every runtime keeps its state by default; the bundle beside them.
        Path work = Files.createTempDirectory(Path.of("/run"), "berth-bench-runtime");
        try (ContainerRuntime runtime = ContainerRuntime.open(work.resolve("state-berth"))) {
            Path bundle = BenchBundle.busyboxTrue(work.resolve("bundle"));
            Path launcher = berthRuntime != null ? berthRuntime : privateCopy(defaultLauncher(), work.resolve("dist"));
            Map<String, Runner> runners = new LinkedHashMap<>();
            runners.put("berth", id -> inProcess(runtime, bundle, id));
            runners.put("berth-cli", id -> runCli(launcher, work, bundle, id, CALL_TIMEOUT_S));
            runners.put("crun", id -> external(List.of(tool("crun"), "--root", work.resolve("state-crun").toString(),
                    "run", "--bundle", bundle.toString(), id), CALL_TIMEOUT_S));
            runners.put("runc", id -> external(List.of(tool("runc"), "--root", work.resolve("state-runc").toString(),
                    "run", "--bundle", bundle.toString(), id), CALL_TIMEOUT_S));

            String prefix = "bench-" + ProcessHandle.current().pid() + "-";
            int seq = warmUp(runners.get("berth"), prefix, err);
            // One unmeasured round warms the page cache and the CLI's class data for every runner. The first
            // berth-runtime call after a build also trains the launcher's class archive (a container run and a
            // dump of the archive, seconds on a quiet machine): it gets more time than a measured call.
            runCli(launcher, work, bundle, prefix + seq++, FIRST_CALL_TIMEOUT_S);
            for (Map.Entry<String, Runner> r : runners.entrySet()) {
                if (!r.getKey().equals("berth-cli")) {
                    r.getValue().runOnce(prefix + seq++);
                }
            }
            Map<String, List<Double>> samples = new LinkedHashMap<>();
            runners.keySet().forEach(k -> samples.put(k, new ArrayList<>()));
            for (int i = 0; i < runs; i++) {
                for (Map.Entry<String, Runner> r : runners.entrySet()) {
                    long t0 = System.nanoTime();
                    r.getValue().runOnce(prefix + seq++);
                    samples.get(r.getKey()).add((System.nanoTime() - t0) / 1e6);
                }
                if (!json && (i + 1) % 10 == 0) {
                    err.printf("berth bench runtime: %d of %d rounds%n", i + 1, runs);
                    err.flush();
                }
            }
            Map<String, Percentiles> results = new LinkedHashMap<>();
            samples.forEach((k, v) -> results.put(k, Percentiles.of(v)));
            print(results, out);
        } finally {
            deleteTree(work);
        }
        return 0;
    }

    /**
     * Runs the in-process runner until it is warm: at least {@code --warmup} containers, then on until a round of
     * 20 spends under 2% of its time in the JIT compiler (on a busy 2-core machine C2 lags for hundreds of
     * containers), at most 2000 containers. Returns how many ids it used.
     */
    private int warmUp(Runner berth, String prefix, PrintWriter err) throws Exception {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        int seq = 0;
        for (; seq < warmup; seq++) {
            berth.runOnce(prefix + seq);
        }
        while (seq < 2000 && jit != null && jit.isCompilationTimeMonitoringSupported()) {
            long compile0 = jit.getTotalCompilationTime();
            long t0 = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                berth.runOnce(prefix + seq++);
            }
            long wallMs = (System.nanoTime() - t0) / 1_000_000;
            if (jit.getTotalCompilationTime() - compile0 < wallMs / 50) {
                break;
            }
        }
        if (!json) {
            err.printf("berth bench runtime: warmed up with %d in-process containers%n", seq);
            err.flush();
        }
        return seq;
    }

    private static void inProcess(ContainerRuntime runtime, Path bundle, String id) throws Exception {
        runtime.create(CreateOptions.of(id, bundle, Stdio.discard()));
        runtime.start(id);
        ExitStatus exit = runtime.exitFuture(id).get(30, TimeUnit.SECONDS);
        runtime.delete(id, false);
        if (exit.exitCode() != 0) {
            throw new IllegalStateException("berth: /bin/true exited with " + exit.exitCode() + " in container " + id);
        }
    }

    private static void runCli(Path launcher, Path work, Path bundle, String id, int timeoutSeconds)
            throws IOException, InterruptedException {
        external(List.of(launcher.toString(), "--root", work.resolve("state-cli").toString(), "run", "--bundle",
                bundle.toString(), id), timeoutSeconds);
    }

    private static void external(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        Path errors = Files.createTempFile("berth-bench", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectInput(new File("/dev/null"))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(errors.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeoutSeconds
                        + " s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + p.exitValue() + ": "
                        + Files.readString(errors, StandardCharsets.UTF_8).strip());
            }
        } finally {
            Files.deleteIfExists(errors);
        }
    }

    private void print(Map<String, Percentiles> results, PrintWriter out) {
        Percentiles berth = results.get("berth");
        if (json) {
            StringBuilder b = new StringBuilder("{");
            results.forEach((k, p) -> b.append(b.length() > 1 ? "," : "").append(String.format(Locale.ROOT,
                    "\"%s\":{\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f}", k, p.p50(), p.p90(), p.p99())));
            out.println(b.append('}'));
        } else {
            out.printf(Locale.ROOT, "create+start+wait+delete of /bin/true, %d runs per runner, interleaved%n", runs);
            out.printf(Locale.ROOT, "%-10s %10s %10s %10s %14s%n", "runner", "p50 ms", "p90 ms", "p99 ms", "p50 vs berth");
            results.forEach((k, p) -> out.printf(Locale.ROOT, "%-10s %10.2f %10.2f %10.2f %13.1fx%n", k, p.p50(), p.p90(),
                    p.p99(), p.p50() / berth.p50()));
            double floor = results.get("crun").p50() / berth.p50();
            out.printf(Locale.ROOT, "berth in-process is %.1fx faster than crun run at p50 (the floor is 4x): %s%n", floor,
                    floor >= 4 ? "met" : "MISSED");
        }
        out.flush();
    }

    private static String tool(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new IllegalStateException(name + " is not installed: run ops/setup-host (as root) first");
    }

    /**
     * A copy of the berth-runtime launcher and of the distribution's jars, without sources: the launcher rebuilds the
     * distribution when a source is newer than the build, and in a tree others edit that happened inside a measured
     * call (a run failed on the 60 s limit). The copy's class archive is trained by the first, unmeasured call.
     */
    private static Path privateCopy(Path launcher, Path copy) throws IOException {
        Path bin = launcher.toRealPath().getParent();
        Path lib = bin.resolveSibling("target").resolve("dist").resolve("lib");
        Path copyBin = Files.createDirectories(copy.resolve("ops").resolve("bin"));
        Path copyDist = Files.createDirectories(copy.resolve("ops").resolve("target").resolve("dist"));
        for (String script : List.of("launch", "berth-runtime")) {
            Files.copy(bin.resolve(script), copyBin.resolve(script), StandardCopyOption.COPY_ATTRIBUTES);
        }
        Path copyLib = Files.createDirectories(copyDist.resolve("lib"));
        try (Stream<Path> jars = Files.list(lib)) {
            for (Path jar : (Iterable<Path>) jars::iterator) {
                Files.copy(jar, copyLib.resolve(jar.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        Files.createFile(copyDist.resolve(".built"));  // newer than every copied jar: the copy counts as built
        return copyBin.resolve("berth-runtime");
    }

    /** ops/bin/berth-runtime, found from this class's jar in ops/target/dist/lib. */
    private static Path defaultLauncher() throws URISyntaxException {
        Path jar = Path.of(RuntimeBench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        for (Path p = jar; p != null; p = p.getParent()) {
            Path candidate = p.resolve("ops/bin/berth-runtime");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("cannot find ops/bin/berth-runtime above " + jar + ": give --berth-runtime PATH");
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
