package io.berth.storage.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.protocol.oci.image.Descriptor;
import io.berth.storage.content.IngestStatus;
import io.berth.storage.image.ImageStoreOptions;
import io.berth.storage.image.LocalImageStore;
import io.berth.storage.image.Snapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pull killed with SIGKILL while a large layer is in flight (its process slowed down by a throttling proxy in
 * front of a real registry): the store reopens consistent, and the next pull resumes the layer with {@code Range}.
 */
class InterruptedPullTest {

    private static final long LAYER_BYTES = 24L << 20;

    @Test
    void aPullKilledHalfwayLeavesAConsistentStoreAndTheNextPullResumesWithRange(@TempDir Path dir) throws Exception {
        Path layout = dir.resolve("layout");
        byte[] random = new byte[(int) LAYER_BYTES];
        new Random(42).nextBytes(random);
        TestImages.umociImage(layout, "big", io.berth.protocol.oci.image.Platform.current().architecture(),
                Map.of("data/random.bin", random), dir);
        try (DockerRegistry registry = DockerRegistry.open(dir.resolve("registry"));
             ThrottlingProxy proxy = new ThrottlingProxy(registry.port(), 4L << 20)) {
            TestImages.skopeoCopy("oci:" + layout + ":big", "docker://" + registry.hostPort() + "/big/app:v1");
            String ref = proxy.hostPort() + "/big/app:v1";
            Path storeDir = dir.resolve("store");

            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), PullProcess.class.getName(), storeDir.toString(), ref)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
            try {
                awaitPartialIngest(storeDir.resolve("ingest"), 3L << 20, child);
            } finally {
                child.destroyForcibly().waitFor();   // SIGKILL: no finally block of the pull runs
            }

            try (LocalImageStore store = LocalImageStore.open(storeDir, ImageStoreOptions.defaults())) {
                assertThat(store.list()).isEmpty();
                assertThat(store.check().problems()).as("the reopened store checks sound").isEmpty();
                List<IngestStatus> ingests = store.content().ingests();
                assertThat(ingests).anySatisfy(i -> assertThat(i.offset()).isGreaterThan(0).isLessThan(LAYER_BYTES));
                long resumedAt = ingests.stream().mapToLong(IngestStatus::offset).max().orElseThrow();

                proxy.unthrottle();
                Map<Descriptor, Long> startOffsets = new ConcurrentHashMap<>();
                new ImagePuller(RegistryClient.builder().build(), store, 2, RetryPolicy.DEFAULT).pull(ImageReference.parse(ref),
                        new TransferListener() {
                            @Override
                            public void started(Descriptor blob, long offset) {
                                startOffsets.put(blob, offset);
                            }
                        });
                assertThat(startOffsets.values()).anySatisfy(offset -> assertThat(offset).isGreaterThan(0));
                assertThat(proxy.requests()).containsPattern("(?i)range: bytes=[1-9][0-9]*-");
                assertThat(resumedAt).isPositive();
                assertThat(store.content().ingests()).isEmpty();
                assertThat(store.check().problems()).isEmpty();
                List<Snapshot> chain = store.ensureSnapshots(proxy.hostPort() + "/big/app:v1");
                assertThat(Files.readAllBytes(chain.get(chain.size() - 1).dir().resolve("data/random.bin"))).isEqualTo(random);
            }
        }
    }

    /** Waits until some ingest file holds more than {@code bytes}. */
    private static void awaitPartialIngest(Path ingestDir, long bytes, Process child) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            if (!child.isAlive()) {
                throw new AssertionError("the pull ended before it could be killed (exit " + child.exitValue() + ")");
            }
            if (Files.isDirectory(ingestDir)) {
                try (Stream<Path> files = Files.walk(ingestDir)) {
                    if (files.anyMatch(f -> {
                        try {
                            return Files.isRegularFile(f) && Files.size(f) > bytes;
                        } catch (java.io.IOException e) {
                            return false;
                        }
                    })) {
                        return;
                    }
                } catch (java.io.UncheckedIOException raced) {
                    // a file vanished while walking: look again
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no ingest grew past " + bytes + " bytes within 60 s");
    }
}
