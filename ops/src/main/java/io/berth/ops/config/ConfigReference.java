package io.berth.ops.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import io.berth.scheduler.api.ApiSettings;
import java.util.List;
import java.util.TreeMap;

/**
 * Renders every {@code berth.*} setting of a node's defaults as markdown: the modules' reference.conf files, the
 * API's defaults and the command line's application.conf over them, each setting with its default and the comment
 * written above it in those files. The committed ops/CONFIGURATION.md is this output (a test keeps it so).
 */
public final class ConfigReference {

    static final String HEADER = """
            # Berth configuration reference

            Every `berth.*` setting with its default, as a node started by `berth server`, `berth agent` or `berth dev`
            sees it when `--config FILE` sets nothing. A node's file (HOCON) sets any of them, e.g.
            `berth.cluster { host = "10.0.0.5", seed-nodes = ["10.0.0.5:7701"] }`; command line flags win over the
            file. Pekko's own settings (`pekko.*`) may be set in the same file.

            Generated from the defaults by `berth config reference`; do not edit by hand. After changing a
            reference.conf, regenerate with `ops/bin/berth config reference > ops/CONFIGURATION.md`.
            """;

    private ConfigReference() {}

    /** The defaults: the command line's settings over the API's defaults over every reference.conf. */
    static Config defaults() {
        ClassLoader loader = ConfigReference.class.getClassLoader();
        return ConfigFactory.parseResources(loader, "application.conf")
                .withFallback(ConfigFactory.parseResources(ApiSettings.class, "defaults.conf"))
                .withFallback(ConfigFactory.defaultReference(loader))
                .resolve();
    }

    /** The markdown reference of {@code defaults()}'s {@code berth} settings, sections and settings by name. */
    public static String markdown() {
        StringBuilder out = new StringBuilder(HEADER);
        ConfigObject berth = defaults().getObject("berth");
        new TreeMap<>(berth).forEach((name, value) -> section("berth." + name, value, out));
        return out.toString();
    }

    private static void section(String path, ConfigValue value, StringBuilder out) {
        if (!isSection(value)) {
            setting(path, value, out);
            return;
        }
        out.append("\n## `").append(path).append("`\n");
        paragraph(value.origin().comments(), out);
        ConfigObject object = (ConfigObject) value;
        new TreeMap<>(object).forEach((name, child) -> {
            if (!isSection(child)) {
                setting(path + "." + name, child, out);
            }
        });
        new TreeMap<>(object).forEach((name, child) -> {
            if (isSection(child)) {
                section(path + "." + name, child, out);
            }
        });
    }

    /** An object with settings in it; an empty object ({@code labels {}}) is a setting whose default is empty. */
    private static boolean isSection(ConfigValue value) {
        return value instanceof ConfigObject object && !object.isEmpty();
    }

    private static void setting(String path, ConfigValue value, StringBuilder out) {
        out.append("\n- `").append(path).append("` = `")
                .append(value.render(ConfigRenderOptions.concise())).append("`\n");
        List<String> comments = value.origin().comments();
        if (!comments.isEmpty()) {
            out.append("\n  ").append(String.join(" ", comments.stream().map(String::strip).toList())).append('\n');
        }
    }

    private static void paragraph(List<String> comments, StringBuilder out) {
        if (!comments.isEmpty()) {
            out.append('\n').append(String.join(" ", comments.stream().map(String::strip).toList())).append('\n');
        }
    }
}
