package io.berth.ops.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import io.berth.ops.Berth;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** ops/CONFIGURATION.md is what {@code berth config reference} renders from the defaults on the class path. */
class ConfigReferenceTest {

    private static final Path COMMITTED = Path.of("CONFIGURATION.md");
    private static final String REGENERATE =
            "ops/CONFIGURATION.md is out of date: run `ops/bin/berth config reference > ops/CONFIGURATION.md`";

    @Test
    void everyBerthSettingIsInTheCommittedReferenceWithItsDefault() throws IOException {
        String committed = Files.readString(COMMITTED);
        for (Map.Entry<String, ConfigValue> setting
                : ConfigReference.defaults().getConfig("berth").entrySet()) {
            assertThat(committed).as(REGENERATE).contains("`berth." + setting.getKey() + "` = `"
                    + setting.getValue().render(ConfigRenderOptions.concise()) + "`");
        }
    }

    @Test
    void theCommittedReferenceIsWhatTheCommandPrints() throws IOException {
        StringWriter out = new StringWriter();
        CommandLine cli = Berth.commandLine();
        cli.setOut(new PrintWriter(out));
        assertThat(cli.execute("config", "reference")).isZero();
        assertThat(out.toString()).as(REGENERATE).isEqualTo(Files.readString(COMMITTED));
    }

    @Test
    void aSettingCarriesTheCommentWrittenAboveIt() {
        assertThat(ConfigReference.markdown()).contains("""
                - `berth.agent.drain-on-shutdown` = `false`

                  on a graceful shutdown of the agent (CoordinatedShutdown: SIGTERM,""");
    }
}
