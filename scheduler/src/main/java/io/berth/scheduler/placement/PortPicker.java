package io.berth.scheduler.placement;

import java.util.Random;

/**
 * Hands out dynamic host ports from a node's range. Like Nomad, it tries random ports first (so two schedulers
 * racing for a node rarely collide) and falls back to a scan, which also finds the last free ports of a
 * nearly full range.
 */
final class PortPicker {
    private static final int RANDOM_TRIES = 16;

    private PortPicker() {}

    /**
     * {@code count} distinct free ports of the node's dynamic range, none of them in {@code exclude}, or null when
     * the range has too few. With a null {@code random} it only scans (for feasibility checks, which must not
     * consume randomness).
     */
    static int[] pick(EvalContext ctx, int node, int count, int[] exclude, Random random) {
        Node n = ctx.snapshot.node(node);
        int min = n.dynamicPortMin(), span = n.dynamicPortMax() - min + 1;
        int[] picked = new int[count];
        int found = 0;
        if (random != null) {
            for (int t = 0; t < RANDOM_TRIES * count && found < count; t++) {
                int port = min + random.nextInt(span);
                if (free(ctx, node, port, exclude, picked, found)) {
                    picked[found++] = port;
                }
            }
        }
        for (int port = min; port < min + span && found < count; port++) {
            if (free(ctx, node, port, exclude, picked, found)) {
                picked[found++] = port;
            }
        }
        return found == count ? picked : null;
    }

    private static boolean free(EvalContext ctx, int node, int port, int[] exclude, int[] picked, int found) {
        for (int e : exclude) {
            if (e == port) {
                return false;
            }
        }
        for (int i = 0; i < found; i++) {
            if (picked[i] == port) {
                return false;
            }
        }
        return !ctx.portInUse(node, port);
    }
}
