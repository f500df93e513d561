package io.berth.runtime.seccomp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Drives {@code seccomp-probe.c} (a test resource, compiled here with gcc): it installs a compiled filter with
 * no_new_privs and seccomp(2), then makes raw system calls or execs a command, so the kernel takes every decision.
 */
final class SeccompProbe {
    /** i386 numbers of calls that ignore their arguments, for the int $0x80 path. */
    static final int I386_GETPID = 20;
    static final int I386_GETPPID = 64;

    private final Path dir;
    private final Path binary;

    private SeccompProbe(Path dir, Path binary) {
        this.dir = dir;
        this.binary = binary;
    }

    /** Compiles the probe into {@code dir}. */
    static SeccompProbe build(Path dir) throws IOException, InterruptedException {
        Path source = dir.resolve("seccomp-probe.c");
        try (InputStream in = SeccompProbe.class.getResourceAsStream("seccomp-probe.c")) {
            Files.copy(in, source);
        }
        Path binary = dir.resolve("seccomp-probe");
        Result gcc = run(List.of("gcc", "-O2", "-Wall", "-Werror", "-o", binary.toString(), source.toString()), "");
        if (gcc.exit() != 0) {
            throw new IllegalStateException("gcc failed: " + gcc.stderr());
        }
        return new SeccompProbe(dir, binary);
    }

    /** What a probe run did: its exit value (128 + signal when killed), its output lines and stderr. */
    record Result(int exit, List<String> lines, String stderr) {}

    /**
     * Installs {@code program} and makes each call, given as {@code "ABI NR A0 A1 A2 A3 A4 A5"} with ABI one of
     * 64, x32, 32; returns one line per call made ({@code ok N} or {@code err ERRNO}).
     */
    Result calls(SeccompProgram program, List<String> calls) throws IOException, InterruptedException {
        List<String> command = List.of(binary.toString(), filterFile(program).toString(),
                Integer.toString(program.flags()), "calls");
        return run(command, String.join("\n", calls) + "\n");
    }

    /** Installs {@code program} and execs {@code command}. */
    Result exec(SeccompProgram program, String... command) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of(binary.toString(), filterFile(program).toString(),
                Integer.toString(program.flags()), "exec"));
        argv.addAll(Arrays.asList(command));
        return run(argv, "");
    }

    private Path filterFile(SeccompProgram program) throws IOException {
        Path file = Files.createTempFile(dir, "filter", ".bpf");
        Files.write(file, program.filter());
        return file;
    }

    private static Result run(List<String> command, String stdin) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).start();
        try (OutputStream in = process.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            // The filter may kill the probe before it has read everything; its output says how far it got.
        }
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("probe did not finish: " + command);
        }
        String stdout = new String(out, StandardCharsets.US_ASCII);
        List<String> lines = stdout.isEmpty() ? List.of() : List.of(stdout.split("\n"));
        return new Result(process.exitValue(), lines, new String(err, StandardCharsets.UTF_8));
    }
}
