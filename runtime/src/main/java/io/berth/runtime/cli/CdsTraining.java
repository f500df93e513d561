package io.berth.runtime.cli;

import io.berth.runtime.Stdio;
import io.berth.runtime.bundle.BusyboxBundle;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * What the {@code berth-runtime} launcher runs once after each build under {@code -XX:ArchiveClassesAtExit}, so
 * that the AppCDS archive holds the classes a real call loads: a {@code run} of {@code /bin/true} in a busybox
 * bundle (the command line, config.json parsing and validation, the state document, cgroups, the spawn path), then
 * {@code state} and {@code list}. Everything it makes lives in a temporary directory it removes. Where no container
 * can run (not root, no busybox-static), the archive holds what the commands got to; nothing is reported.
 */
public final class CdsTraining {
    private CdsTraining() {}

    public static void main(String[] args) throws IOException {
        RuntimeCli.configureProcess(args);
        Path dir = Files.createTempDirectory("berth-runtime-cds");
        try {
            String root = dir.resolve("state").toString();
            String id = "cds-training-" + ProcessHandle.current().pid();
            try {
                Path bundle = BusyboxBundle.create(dir.resolve("bundle"), BusyboxBundle.defaultSpec(List.of("/bin/true")));
                execute("--root", root, "run", "--bundle", bundle.toString(), id);
            } catch (RuntimeException e) {
                // no busybox-static: the commands below still load the command line's classes
            }
            execute("--root", root, "state", id);
            execute("--root", root, "list");
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                    Files.deleteIfExists(p);
                }
            }
        }
        System.exit(0);
    }

    private static void execute(String... args) {
        CommandLine cl = RuntimeCli.commandLine(Stdio.inherit());
        PrintWriter nowhere = new PrintWriter(OutputStream.nullOutputStream());
        cl.setOut(nowhere);
        cl.setErr(nowhere);
        cl.execute(args);
    }
}
