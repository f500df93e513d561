package io.berth.ops.demo;

import io.berth.protocol.oci.image.ImageConfig;
import io.berth.runtime.bundle.BusyboxBundle;
import io.berth.storage.image.ImageStore;
import io.berth.storage.registry.CredentialStore;
import io.berth.storage.registry.ImagePuller;
import io.berth.storage.registry.ImageReference;
import io.berth.storage.registry.RegistryClient;
import io.berth.storage.registry.RetryPolicy;
import io.berth.storage.registry.TransferListener;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The demo's image: a one-layer image built from the host's static busybox when there is one (no network
 * needed, and the same busybox the tests use), otherwise busybox pulled from Docker Hub.
 */
final class DemoImage {

    /** The name of the image built from the host's busybox: not Docker Hub's, so it is named as local. */
    static final String HOST_IMAGE = "localhost/berth-demo/busybox:host";
    /** What is pulled when the host has no busybox. */
    static final String HUB_IMAGE = "docker.io/library/busybox:1.36";

    private DemoImage() {}

    /** Puts the demo image into {@code store} (unless it is there) and returns its name. */
    static String ensure(ImageStore store, PrintWriter out) throws IOException {
        if (Files.isExecutable(BusyboxBundle.HOST_BUSYBOX)) {
            if (store.find(HOST_IMAGE).isEmpty()) {
                out.println("berth demo: building image " + HOST_IMAGE + " from the host's " + BusyboxBundle.HOST_BUSYBOX);
                Path work = Files.createTempDirectory("berth-demo-image-");
                try {
                    Path bundle = BusyboxBundle.create(work, BusyboxBundle.defaultSpec(List.of("sh")));
                    store.createImage(HOST_IMAGE, bundle.resolve("rootfs"), new ImageConfig.ExecConfig(null, null,
                            List.of("PATH=/bin:/sbin:/usr/bin:/usr/sbin"), null, List.of("sh"), null, null, null, null));
                } finally {
                    deleteTree(work);
                }
            }
            return HOST_IMAGE;
        }
        if (store.find(HUB_IMAGE).isEmpty()) {
            out.println("berth demo: no busybox on this host; pulling " + HUB_IMAGE);
            out.flush();
            RegistryClient client = RegistryClient.builder()
                    .credentials(CredentialStore.fromDockerConfig(CredentialStore.defaultDockerConfig())).build();
            new ImagePuller(client, store, ImagePuller.DEFAULT_CONCURRENCY, RetryPolicy.DEFAULT)
                    .pull(ImageReference.parse(HUB_IMAGE), TransferListener.NONE);
        }
        return HUB_IMAGE;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
