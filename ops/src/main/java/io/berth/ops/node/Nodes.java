package io.berth.ops.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import sun.misc.Signal;

/** What the commands that run a node share: the root check and the signals that stop the node. */
public final class Nodes {

    private Nodes() {}

    /**
     * Commands that run containers need root; saying so first beats failing deep inside the runtime.
     *
     * @throws IllegalStateException saying how to run {@code command} when this process is not root
     */
    public static void requireRoot(String command) throws IOException {
        Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        if (!Integer.valueOf(0).equals(uid)) {
            throw new IllegalStateException("this runs containers, so it needs root: sudo " + command);
        }
    }

    /**
     * Runs {@code shutdown} once, on a thread of its own, on the first SIGINT or SIGTERM (later ones are ignored),
     * instead of the JVM's shutdown sequence: so the command's main thread sees the node stop and can still clean
     * up (a temporary data directory) before the process exits with its own code.
     */
    public static void onSignal(Runnable shutdown) {
        Runnable once = new Runnable() {
            private boolean started;

            @Override
            public synchronized void run() {
                if (!started) {
                    started = true;
                    new Thread(shutdown, "berth-shutdown").start();
                }
            }
        };
        for (String name : List.of("INT", "TERM")) {
            Signal.handle(new Signal(name), s -> once.run());
        }
    }
}
