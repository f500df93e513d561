package io.berth.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.ops.cli.DevCluster.Result;
import io.berth.ops.image.ImageCommandTest;
import io.berth.protocol.oci.image.ImageConfig;
import io.berth.runtime.bundle.BusyboxBundle;
import io.berth.storage.image.ImageStore;
import io.berth.storage.image.ImageStoreOptions;
import io.berth.storage.registry.ImagePusher;
import io.berth.storage.registry.ImageReference;
import io.berth.storage.registry.RegistryClient;
import io.berth.storage.registry.TransferListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dev node's {@code /metrics} counts the bytes its agent pulls ({@code berth_image_pull_bytes_total}): a job
 * whose image is in a real docker-registry, and not in the node's store, adds exactly what the registry holds
 * for it (manifest, config and layer).
 */
@ExtendWith(DevCluster.Resolver.class)
class PulledBytesMetricTest {

    static DevCluster cluster;

    @BeforeAll
    static void useTheDevCluster(DevCluster shared) {
        cluster = shared;
    }

    @Test
    void aPullAddsTheImagesBytesToTheCounter(@TempDir Path dir) throws Exception {
        Process registry = ImageCommandTest.startRegistry(dir.resolve("registry"));
        try {
            String name = "127.0.0.1:" + Files.readString(dir.resolve("registry/port")) + "/berth-test/pulled:1";
            // an image of its own (a file no other image has), so nothing of it is in the node's store yet
            Path bundle = BusyboxBundle.create(dir.resolve("bundle"), BusyboxBundle.defaultSpec(List.of("true")));
            Files.writeString(bundle.resolve("rootfs/unique"), UUID.randomUUID().toString());
            try (ImageStore store = ImageStore.open(dir.resolve("store"), ImageStoreOptions.defaults())) {
                store.createImage(name, bundle.resolve("rootfs"), new ImageConfig.ExecConfig(null, null,
                        List.of("PATH=/bin"), null, List.of("true"), null, null, null, null));
                new ImagePusher(RegistryClient.builder().build(), store, 2, ImagePusher.DEFAULT_CHUNK_SIZE)
                        .push(name, ImageReference.parse(name), null, TransferListener.NONE);
            }
            long held = registryBlobBytes(dir.resolve("registry/data"));
            assertThat(held).isGreaterThan(500_000); // busybox is in it

            double before = pulledBytes();
            Path job = dir.resolve("pulled.json");
            Files.writeString(job, """
                    {"id": "pulled", "type": "batch",
                     "groups": [{"name": "g", "count": 1, "tasks": [{
                       "name": "t", "image": "%s", "command": ["/bin/true"],
                       "resources": {"cpu_mhz": 100, "memory_mb": 16}, "network": "none"}]}]}
                    """.formatted(name));
            Result run = cluster.berth("job", "run", job.toString(), "--timeout", "2m");
            assertThat(run.exit()).as(run.out() + run.err()).isZero();
            assertThat(pulledBytes() - before).isEqualTo((double) held);
            assertThat(cluster.berth("job", "stop", "pulled", "--purge").exit()).isZero();
        } finally {
            registry.destroy();
            registry.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** The counter's value on the dev node's {@code /metrics}. */
    static double pulledBytes() throws Exception {
        String line = cluster.text("/metrics").lines().filter(l -> l.startsWith("berth_image_pull_bytes_total"))
                .findFirst().orElseThrow(() -> new AssertionError("/metrics has no berth_image_pull_bytes_total"));
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    /** What the registry stores as blobs: every manifest, config and layer pushed to it. */
    static long registryBlobBytes(Path data) throws IOException {
        try (Stream<Path> files = Files.walk(data.resolve("docker/registry/v2/blobs"))) {
            return files.filter(p -> p.getFileName().toString().equals("data")).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sum();
        }
    }
}
