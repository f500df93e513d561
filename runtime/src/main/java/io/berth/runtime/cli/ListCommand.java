package io.berth.runtime.cli;

import io.berth.protocol.oci.runtime.ContainerState;
import io.berth.protocol.oci.runtime.RuntimeSpecs;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code list}: every container under {@code --root}. */
@Command(name = "list", description = "List the containers under --root.")
final class ListCommand implements Callable<Integer> {
    enum Format { table, json }

    @ParentCommand
    RuntimeCli cli;

    @Option(names = {"-f", "--format"}, paramLabel = "table|json", description = "Output format (default: ${DEFAULT-VALUE}).")
    Format format = Format.table;

    @Option(names = {"-q", "--quiet"}, description = "Print the ids only.")
    boolean quiet;

    @Override
    public Integer call() {
        List<ContainerState> containers = cli.runtime().list();
        PrintWriter out = cli.out();
        if (quiet) {
            containers.forEach(c -> out.println(c.id()));
        } else if (format == Format.json) {
            out.println(new String(RuntimeSpecs.toJson(containers), StandardCharsets.UTF_8));
        } else {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"ID", "PID", "STATUS", "BUNDLE"});
            for (ContainerState c : containers) {
                // runc shows 0 for a container without a live init.
                rows.add(new String[] {c.id(), String.valueOf(c.pid() == null ? 0 : c.pid()), c.status(), c.bundle()});
            }
            Table.print(rows, out);
        }
        out.flush();
        return 0;
    }
}
