package io.berth.runtime.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import io.berth.protocol.oci.runtime.RuntimeSpecs;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code ps}: the container's processes. As runc, the table is the host's {@code ps} output (default
 * arguments {@code -ef}) narrowed to the container's pids; {@code --format json} is the array of pids.
 */
@Command(name = "ps", description = "List the processes of a container.")
final class PsCommand implements Callable<Integer> {
    enum Format { table, json }

    @ParentCommand
    RuntimeCli cli;

    @Option(names = {"-f", "--format"}, paramLabel = "table|json", description = "Output format (default: ${DEFAULT-VALUE}).")
    Format format = Format.table;

    @Parameters(index = "0", paramLabel = "<container-id>")
    String id;

    @Parameters(index = "1..*", paramLabel = "<ps-options>", description = "Arguments for ps(1) (default: -ef).")
    List<String> psArgs = new ArrayList<>();

    @Override
    public Integer call() throws IOException, InterruptedException {
        List<Integer> pids = cli.runtime().processes(id);
        PrintWriter out = cli.out();
        if (format == Format.json) {
            out.println(new String(RuntimeSpecs.JSON.writer().without(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsBytes(pids), StandardCharsets.UTF_8));
            out.flush();
            return 0;
        }
        List<String> command = new ArrayList<>(List.of("ps"));
        command.addAll(psArgs.isEmpty() ? List.of("-ef") : psArgs);
        Process ps = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.INHERIT).start();
        byte[] output = ps.getInputStream().readAllBytes();
        String errors = new String(ps.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (ps.waitFor() != 0) {
            throw new CliException(String.join(" ", command) + " failed: " + errors);
        }
        List<String> lines = new String(output, StandardCharsets.UTF_8).lines().toList();
        if (lines.isEmpty()) {
            throw new CliException(String.join(" ", command) + " printed nothing");
        }
        int pidColumn = Arrays.asList(lines.get(0).trim().split("\\s+")).indexOf("PID");
        if (pidColumn < 0) {
            throw new CliException(String.join(" ", command) + " printed no PID column: keep the pid in the ps format");
        }
        Set<String> wanted = new HashSet<>();
        pids.forEach(p -> wanted.add(String.valueOf(p)));
        out.println(lines.get(0));
        for (String line : lines.subList(1, lines.size())) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length > pidColumn && wanted.contains(fields[pidColumn])) {
                out.println(line);
            }
        }
        out.flush();
        return 0;
    }
}
