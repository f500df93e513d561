package io.berth.runtime.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The {@code --log} file, written in the two formats of runc's logrus: {@code text}
 * ({@code time="..." level=error msg="..."}) and {@code json} ({@code {"level":"error","msg":"...","time":"..."}}).
 * containerd's shim and podman's conmon read the last error entry of this file to report why a runtime call
 * failed, so every failure is written here as well as to stderr. Without {@code --log} it writes nothing.
 */
final class CliLog {
    /** The {@code --log-format} values. */
    enum Format { text, json }

    private final Path file;
    private final Format format;
    private final boolean debug;
    private final PrintWriter err;

    CliLog(Path file, Format format, boolean debug, PrintWriter err) {
        this.file = file;
        this.format = format;
        this.debug = debug;
        this.err = err;
    }

    void error(String message) {
        write("error", message);
    }

    /** Logged only with {@code --debug}. */
    void debug(String message) {
        if (debug) {
            write("debug", message);
        }
    }

    private void write(String level, String message) {
        if (file == null) {
            return;
        }
        String time = Instant.now().truncatedTo(ChronoUnit.MICROS).toString();
        String line = format == Format.json
                ? "{\"level\":\"" + level + "\",\"msg\":" + quote(message) + ",\"time\":\"" + time + "\"}\n"
                : "time=\"" + time + "\" level=" + level + " msg=" + quote(message) + "\n";
        try {
            // One write of one line with O_APPEND: concurrent runtime calls (containerd runs several) do
            // not interleave within a line.
            Files.write(file, line.getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            // The failure being logged matters more than the log; say so once, on stderr.
            err.println("berth-runtime: cannot write the log file " + file + ": " + e.getMessage());
            err.flush();
        }
    }

    /** A JSON string literal (also valid as a logrus text value). */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
