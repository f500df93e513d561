package io.berth.storage.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.protocol.oci.image.Platform;
import io.berth.storage.content.StoreFullException;
import io.berth.storage.image.ImageStoreOptions;
import io.berth.storage.image.LocalImageStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pull onto a full disk (a 16 MiB tmpfs, a 24 MiB layer) fails clearly and leaves nothing half-written. */
class FullDiskPullTest {

    @Test
    void aPullThatFillsTheDiskFailsClearlyAndLeavesNothingBehind(@TempDir Path dir) throws Exception {
        Path layout = dir.resolve("layout");
        byte[] random = new byte[24 << 20];
        new Random(3).nextBytes(random);
        TestImages.umociImage(layout, "big", Platform.current().architecture(), Map.of("data/random.bin", random), dir);
        Path small = Files.createDirectories(dir.resolve("small"));
        DockerRegistry.run(List.of("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", small.toString()));
        try (DockerRegistry registry = DockerRegistry.open(dir.resolve("registry"))) {
            TestImages.skopeoCopy("oci:" + layout + ":big", "docker://" + registry.hostPort() + "/full/app:v1");
            RetryPolicy fast = new RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(20));
            try (LocalImageStore store = LocalImageStore.open(small.resolve("store"), ImageStoreOptions.defaults())) {
                ImagePuller puller = new ImagePuller(RegistryClient.builder().retry(fast).build(), store, 2, fast);
                assertThatThrownBy(() -> puller.pull(ImageReference.parse(registry.hostPort() + "/full/app:v1"), TransferListener.NONE))
                        .isInstanceOf(StoreFullException.class)
                        .hasMessageContaining("no space left");
                assertThat(store.list()).isEmpty();
                assertThat(store.content().ingests()).isEmpty();
                // nothing of the layer is left: the space is free again
                assertThat(Files.getFileStore(small).getUsableSpace()).isGreaterThan(8L << 20);
            }
        } finally {
            DockerRegistry.run(List.of("umount", small.toString()));
        }
    }
}
