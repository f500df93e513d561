package io.berth.storage.content;

import io.berth.protocol.oci.image.Descriptor;
import io.berth.protocol.oci.image.Digest;
import io.berth.protocol.oci.image.MediaTypes;
import io.berth.storage.image.ImageStoreOptions;
import io.berth.storage.image.LocalImageStore;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The body of a child JVM that the crash tests SIGKILL halfway through its work. It prints a line after
 * each step, so the parent knows where it is.
 */
public final class CrashChild {

    private CrashChild() {
    }

    /** Data of blob {@code seed}, the same in parent and child. */
    public static byte[] blob(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Starts this class in a new JVM with the test class path. */
    public static Process start(String... args) throws java.io.IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), CrashChild.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[1]);
        switch (args[0]) {
            case "ingest" -> {
                // Writes half of blob 42 fast, says so, then trickles the rest until it is killed.
                byte[] data = blob(42, 4 << 20);
                Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(data), data.length);
                ContentStore store = LocalContentStore.open(root);
                BlobWriter w = store.writer("pull-" + d.digest(), d, Duration.ofSeconds(5));
                w.write(data, 0, data.length / 2);
                System.out.println("HALF");
                System.out.flush();
                for (int off = data.length / 2; off < data.length; off += 4096) {
                    w.write(data, off, 4096);
                    Thread.sleep(50);
                }
                System.out.println("NOT KILLED");
            }
            case "commits" -> {
                // Commits blob after blob, each announced, until it is killed.
                ContentStore store = LocalContentStore.open(root);
                for (int i = 0; ; i++) {
                    byte[] data = blob(i, 256 << 10);
                    Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(data), data.length);
                    try (BlobWriter w = store.writer("pull-" + d.digest(), d, Duration.ofSeconds(5))) {
                        w.write(data, 0, data.length);
                        w.commit(data.length, d.digest());
                    }
                    System.out.println("COMMITTED " + i);
                    System.out.flush();
                }
            }
            case "unpack" -> {
                try (LocalImageStore store = LocalImageStore.open(root, ImageStoreOptions.defaults())) {
                    System.out.println("OPEN");
                    System.out.flush();
                    store.ensureSnapshots(args[2]);
                    System.out.println("NOT KILLED");
                }
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
