package io.berth.ops.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.ops.Berth;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The systemd units in ops/systemd: systemd itself verifies them (systemd-analyze verify, in a root directory of
 * their own where the launcher is installed as the README says), and they start the commands Berth has.
 */
class SystemdUnitsTest {

    private static final Path UNITS = Path.of("systemd").toAbsolutePath();
    private static final List<String> NAMES = List.of("berth-server.service", "berth-agent.service");

    @Test
    void systemdVerifiesBothUnitsWhenTheLauncherIsInstalled(@TempDir Path root) throws Exception {
        installedRoot(root, true);
        Result result = verify(root);
        assertThat(result.exit).as(result.output).isZero();
        assertThat(complaintsAboutBerth(result.output)).isEmpty();
    }

    @Test
    void verificationFailsWhenTheLauncherIsMissing(@TempDir Path root) throws Exception {
        installedRoot(root, false);
        Result result = verify(root);
        assertThat(result.exit).isNotZero();
        assertThat(complaintsAboutBerth(result.output))
                .anyMatch(line -> line.contains("/usr/local/bin/berth is not executable"));
    }

    @Test
    void theAgentLeavesItsContainersRunningAndOwnsTheirCgroups() throws IOException {
        List<String> agent = Files.readAllLines(UNITS.resolve("berth-agent.service"));
        assertThat(agent).contains("KillMode=process", "Delegate=yes", "Restart=on-failure",
                "After=network-online.target");
        List<String> server = Files.readAllLines(UNITS.resolve("berth-server.service"));
        assertThat(server).contains("Restart=on-failure", "After=network-online.target")
                .noneMatch(line -> line.startsWith("KillMode="));
    }

    @Test
    void execStartRunsABerthCommandWithItsConfigFile() throws IOException {
        for (String name : NAMES) {
            String role = name.substring("berth-".length(), name.indexOf('.'));
            String exec = Files.readAllLines(UNITS.resolve(name)).stream()
                    .filter(line -> line.startsWith("ExecStart=")).findFirst().orElseThrow()
                    .substring("ExecStart=".length());
            List<String> words = Arrays.asList(exec.split(" "));
            assertThat(words).containsExactly("/usr/local/bin/berth", role, "--config", "/etc/berth/" + role + ".conf");
            // the command line takes these arguments (parsing only: nothing starts)
            CommandLine cli = Berth.commandLine();
            List<CommandLine> parsed = cli.parseArgs(words.subList(1, words.size()).toArray(String[]::new))
                    .asCommandLineList();
            assertThat(parsed.get(parsed.size() - 1).getCommandName()).isEqualTo(role);
        }
    }

    /** A root with systemd's own units, ours in /etc/systemd/system and (if asked) an executable launcher. */
    private static void installedRoot(Path root, boolean launcher) throws Exception {
        Path system = root.resolve("etc/systemd/system");
        Files.createDirectories(system);
        for (String name : NAMES) {
            Files.copy(UNITS.resolve(name), system.resolve(name));
        }
        Path lib = root.resolve("usr/lib/systemd");
        Files.createDirectories(lib);
        // systemd's targets (network-online, multi-user...), their symlinks kept relative to the root
        run(List.of("cp", "-a", "/usr/lib/systemd/system", lib.toString()));
        if (launcher) {
            Path bin = root.resolve("usr/local/bin");
            Files.createDirectories(bin);
            Path berth = bin.resolve("berth");
            Files.writeString(berth, "#!/bin/sh\nexec " + UNITS.resolveSibling("bin/berth") + " \"$@\"\n");
            Files.setPosixFilePermissions(berth, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private static Result verify(Path root) throws Exception {
        List<String> command = new ArrayList<>(List.of("systemd-analyze", "verify", "--man=no", "--root=" + root));
        command.addAll(NAMES);
        return run(command);
    }

    private static List<String> complaintsAboutBerth(String output) {
        return output.lines().filter(line -> line.contains("berth-")).toList();
    }

    private record Result(int exit, String output) {}

    private static Result run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
        return new Result(process.exitValue(), output);
    }
}
