package io.berth.ops.image;

import io.berth.protocol.oci.image.Descriptor;
import io.berth.protocol.oci.image.Digest;
import io.berth.storage.registry.TransferListener;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One line per blob of a pull or push. On a terminal the lines are redrawn in place with a bar (at most ten
 * times a second); otherwise each blob prints a line when it starts resuming and when it is done, so logs stay
 * readable. Thread-safe: transfer threads call it concurrently.
 */
final class ProgressDisplay implements TransferListener, AutoCloseable {

    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter out;
    private final boolean live;
    private final String verb;
    private final Map<Digest, Row> rows = new LinkedHashMap<>();
    private int drawn;
    private long lastDraw;

    private static final class Row {
        final Descriptor blob;
        String state;
        long done;

        Row(Descriptor blob, String state, long done) {
            this.blob = blob;
            this.state = state;
            this.done = done;
        }
    }

    /**
     * @param verb what a running transfer is called: {@code downloading} or {@code uploading}
     * @param live redraw lines in place (a terminal) rather than print events
     */
    ProgressDisplay(PrintWriter out, String verb, boolean live) {
        this.out = out;
        this.verb = verb;
        this.live = live;
    }

    @Override
    public synchronized void started(Descriptor blob, long offset) {
        rows.put(blob.digest(), new Row(blob, offset > 0 ? "resuming" : verb, offset));
        if (!live && offset > 0) {
            out.println(blob.digest().shortHex() + "  resuming at " + bytes(offset) + " of " + bytes(blob.size()));
            out.flush();
        }
        draw(true);
    }

    @Override
    public synchronized void progress(Descriptor blob, long done) {
        Row row = rows.computeIfAbsent(blob.digest(), d -> new Row(blob, verb, 0));
        row.done = done;
        row.state = verb;
        draw(false);
    }

    @Override
    public synchronized void finished(Descriptor blob, Outcome outcome) {
        Row row = rows.computeIfAbsent(blob.digest(), d -> new Row(blob, verb, 0));
        row.state = switch (outcome) {
            case PRESENT -> "already there";
            case DOWNLOADED -> "downloaded";
            case MOUNTED -> "mounted";
            case UPLOADED -> "uploaded";
        };
        row.done = blob.size();
        if (!live) {
            out.println(line(row));
            out.flush();
        }
        draw(true);
    }

    private void draw(boolean force) {
        if (!live) {
            return;
        }
        long now = System.nanoTime();
        if (!force && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        StringBuilder s = new StringBuilder();
        if (drawn > 0) {
            s.append("\033[").append(drawn).append('A');
        }
        for (Row row : rows.values()) {
            s.append("\r\033[K").append(line(row)).append('\n');
        }
        drawn = rows.size();
        out.print(s);
        out.flush();
    }

    private static String line(Row row) {
        long size = Math.max(row.blob.size(), 1);
        int filled = (int) Math.min(30, row.done * 30 / size);
        return String.format(Locale.ROOT, "%s  %-13s [%s%s] %10s / %s", row.blob.digest().shortHex(), row.state,
                "=".repeat(filled), " ".repeat(30 - filled), bytes(row.done), bytes(row.blob.size()));
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        double v = n;
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        int i = -1;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[i]);
    }

    @Override
    public synchronized void close() {
        draw(true);
    }
}
