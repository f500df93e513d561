package io.berth.ops.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.berth.ops.Berth;
import io.berth.ops.cli.ExitCodes;
import io.berth.scheduler.cluster.ClusterSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** How {@code berth server} and {@code berth agent} turn their flags and config file into a node's settings. */
class NodeOptionsTest {

    private static ClusterSettings settings(String role, String... args) {
        NodeCommands.Agent command = new NodeCommands.Agent();
        new CommandLine(command).parseArgs(args);
        return ClusterSettings.fromConfig(command.options.operatorConfig(role).withFallback(ConfigFactory.load()));
    }

    @Test
    void flagsWinOverTheFileAndTheFileOverTheDefaults(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("berth.conf");
        Files.writeString(file, """
                berth.cluster { host = "10.0.0.1", port = 7801, node-name = "from-file", seed-nodes = ["10.0.0.9:7701"] }
                """);
        ClusterSettings fromFile = settings("agent", "--config", file.toString());
        assertThat(fromFile.host()).isEqualTo("10.0.0.1");
        assertThat(fromFile.port()).isEqualTo(7801);
        assertThat(fromFile.nodeName()).isEqualTo("from-file");
        assertThat(fromFile.seedNodes()).containsExactly("10.0.0.9:7701");
        assertThat(fromFile.roles()).isEqualTo(Set.of(ClusterSettings.Role.AGENT));
        assertThat(fromFile.dataDir()).isEqualTo(Path.of("/var/lib/berth"));

        ClusterSettings flags = settings("scheduler", "--config", file.toString(), "--bind", "127.0.0.2:7900",
                "--join", "a:1,b:2", "--join", "c:3", "--name", "s1", "--data-dir", dir.toString());
        assertThat(flags.host()).isEqualTo("127.0.0.2");
        assertThat(flags.port()).isEqualTo(7900);
        assertThat(flags.seedNodes()).isEqualTo(List.of("a:1", "b:2", "c:3"));
        assertThat(flags.nodeName()).isEqualTo("s1");
        assertThat(flags.dataDir()).isEqualTo(dir);
        assertThat(flags.roles()).isEqualTo(Set.of(ClusterSettings.Role.SCHEDULER));
    }

    @Test
    void badSettingsAreNamed(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> settings("agent", "--config", dir.resolve("nope.conf").toString()))
                .hasMessageContaining("--config").hasMessageContaining("no such file");
        assertThatThrownBy(() -> settings("agent", "--bind", "127.0.0.1:99999"))
                .hasMessageContaining("--bind").hasMessageContaining("99999");
        Path broken = dir.resolve("broken.conf");
        Files.writeString(broken, "berth.cluster { port = \n");
        assertThatThrownBy(() -> settings("agent", "--config", broken.toString()))
                .hasMessageContaining("--config").hasMessageContaining("broken.conf");
        assertThatThrownBy(() -> settings("agent", "--join", "nocolon"))
                .hasMessageContaining("berth.cluster.seed-nodes[0]");
    }

    @Test
    void theServerCommandEndsWithAUsageErrorForABadConfig(@TempDir Path dir) {
        StringWriter err = new StringWriter();
        CommandLine cli = Berth.commandLine();
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute("server", "--config", dir.resolve("missing.conf").toString());
        assertThat(exit).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).startsWith("berth server: --config: ").contains("missing.conf");
    }
}
