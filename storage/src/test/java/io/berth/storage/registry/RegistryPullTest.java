package io.berth.storage.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.protocol.oci.image.Descriptor;
import io.berth.protocol.oci.image.MediaTypes;
import io.berth.protocol.oci.image.Platform;
import io.berth.storage.image.Image;
import io.berth.storage.image.ImageStoreOptions;
import io.berth.storage.image.InvalidImageException;
import io.berth.storage.image.LocalImageStore;
import io.berth.storage.image.ResolvedImage;
import io.berth.storage.image.Snapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls into a real {@link LocalImageStore} from a real {@code docker-registry}, of images written by umoci and
 * pushed by skopeo in every form users meet: OCI and Docker schema 2, gzip and zstd layers, a multi-platform
 * index; then unpacks them and checks the files.
 */
class RegistryPullTest {

    private static final RetryPolicy FAST = new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50));
    private static final String HOST_ARCH = Platform.current().architecture();
    private static final String OTHER_ARCH = HOST_ARCH.equals("arm64") ? "amd64" : "arm64";

    @TempDir
    static Path shared;
    static DockerRegistry registry;

    @BeforeAll
    static void pushImages() throws Exception {
        Path layout = shared.resolve("layout");
        TestImages.umociImage(layout, "native", HOST_ARCH, Map.of("etc/berth-test", bytes("native\n")), shared);
        TestImages.umociImage(layout, "foreign", OTHER_ARCH, Map.of("etc/berth-test", bytes("foreign\n")), shared);
        TestImages.indexOf(layout, "multi", List.of("native", "foreign"));
        Path zstd = shared.resolve("zstd");
        TestImages.skopeoCopy("oci:" + layout + ":native", "oci:" + zstd + ":native", "--dest-compress", "--dest-compress-format", "zstd");

        registry = DockerRegistry.open(shared.resolve("registry"));
        String to = "docker://" + registry.hostPort();
        TestImages.skopeoCopy("oci:" + layout + ":native", to + "/pull/oci:v1");
        TestImages.skopeoCopy("oci:" + layout + ":native", to + "/pull/docker:v1", "--format", "v2s2");
        TestImages.skopeoCopy("oci:" + zstd + ":native", to + "/pull/zstd:v1");
        TestImages.skopeoCopy("oci:" + layout + ":multi", to + "/pull/multi:v1", "--all");
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static RegistryClient client() {
        return RegistryClient.builder().retry(FAST).build();
    }

    private static LocalImageStore store(Path dir, Platform platform) throws Exception {
        return LocalImageStore.open(dir, ImageStoreOptions.defaults().withPlatform(platform));
    }

    /** Pulls, unpacks and returns the content of /etc/berth-test in the top snapshot. */
    private static String pullAndRead(LocalImageStore store, String repository, Map<Descriptor, TransferListener.Outcome> outcomes) throws Exception {
        ImageReference ref = ImageReference.parse(registry.hostPort() + "/" + repository + ":v1");
        Image image = new ImagePuller(client(), store, 3, FAST).pull(ref, recording(outcomes));
        assertThat(image.name()).isEqualTo(registry.hostPort() + "/" + repository + ":v1");
        List<Snapshot> chain = store.ensureSnapshots(image.name());
        Snapshot top = chain.get(chain.size() - 1);
        assertThat(top.dir().resolve("bin/busybox")).isRegularFile();
        assertThat(Files.readSymbolicLink(top.dir().resolve("bin/sh"))).isEqualTo(Path.of("busybox"));
        return Files.readString(top.dir().resolve("etc/berth-test"));
    }

    private static TransferListener recording(Map<Descriptor, TransferListener.Outcome> outcomes) {
        return new TransferListener() {
            @Override
            public void finished(Descriptor blob, Outcome outcome) {
                outcomes.put(blob, outcome);
            }
        };
    }

    @Test
    void pullsAndUnpacksAnOciImageWithGzipLayers(@TempDir Path dir) throws Exception {
        try (LocalImageStore store = store(dir, Platform.current())) {
            Map<Descriptor, TransferListener.Outcome> outcomes = new ConcurrentHashMap<>();
            assertThat(pullAndRead(store, "pull/oci", outcomes)).isEqualTo("native\n");
            assertThat(outcomes).hasSize(3).containsValue(TransferListener.Outcome.DOWNLOADED);
            ResolvedImage resolved = store.resolve(registry.hostPort() + "/pull/oci:v1");
            assertThat(resolved.manifestDescriptor().mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
            assertThat(store.content().ingests()).isEmpty();
        }
    }

    @Test
    void pullsAndUnpacksADockerSchema2Image(@TempDir Path dir) throws Exception {
        try (LocalImageStore store = store(dir, Platform.current())) {
            assertThat(pullAndRead(store, "pull/docker", new ConcurrentHashMap<>())).isEqualTo("native\n");
            ResolvedImage resolved = store.resolve(registry.hostPort() + "/pull/docker:v1");
            assertThat(resolved.manifestDescriptor().mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
            assertThat(resolved.manifest().layers()).extracting(Descriptor::mediaType).containsExactly(MediaTypes.DOCKER_LAYER_GZIP);
        }
    }

    @Test
    void pullsAndUnpacksAnImageWithZstdLayers(@TempDir Path dir) throws Exception {
        try (LocalImageStore store = store(dir, Platform.current())) {
            assertThat(pullAndRead(store, "pull/zstd", new ConcurrentHashMap<>())).isEqualTo("native\n");
            assertThat(store.resolve(registry.hostPort() + "/pull/zstd:v1").manifest().layers())
                    .extracting(Descriptor::mediaType).containsExactly(MediaTypes.OCI_LAYER_ZSTD);
        }
    }

    @Test
    void selectsThePlatformOfTheStoreFromAMultiPlatformIndex(@TempDir Path dir) throws Exception {
        try (LocalImageStore store = store(dir.resolve("native"), Platform.current())) {
            assertThat(pullAndRead(store, "pull/multi", new ConcurrentHashMap<>())).isEqualTo("native\n");
            assertThat(store.find(registry.hostPort() + "/pull/multi:v1").orElseThrow().target().mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
        }
        try (LocalImageStore store = store(dir.resolve("foreign"), Platform.of("linux", OTHER_ARCH, null))) {
            assertThat(pullAndRead(store, "pull/multi", new ConcurrentHashMap<>())).isEqualTo("foreign\n");
            assertThat(store.resolve(registry.hostPort() + "/pull/multi:v1").config().architecture()).isEqualTo(OTHER_ARCH);
        }
        try (LocalImageStore store = store(dir.resolve("none"), Platform.of("linux", "s390x", null))) {
            ImageReference ref = ImageReference.parse(registry.hostPort() + "/pull/multi:v1");
            assertThatThrownBy(() -> new ImagePuller(client(), store, 3, FAST).pull(ref, TransferListener.NONE))
                    .isInstanceOf(InvalidImageException.class)
                    .hasMessageContaining("no image for platform linux/s390x")
                    .hasMessageContaining("linux/" + HOST_ARCH);
            assertThat(store.list()).isEmpty();
        }
    }

    @Test
    void aWarmPullTransfersNoBlobAndAnUnknownImageIsAClearError(@TempDir Path dir) throws Exception {
        try (LocalImageStore store = store(dir, Platform.current())) {
            pullAndRead(store, "pull/oci", new ConcurrentHashMap<>());
            Map<Descriptor, TransferListener.Outcome> again = new ConcurrentHashMap<>();
            pullAndRead(store, "pull/oci", again);
            assertThat(again).hasSize(3).containsOnlyKeys(again.keySet()).allSatisfy((d, o) -> assertThat(o).isEqualTo(TransferListener.Outcome.PRESENT));

            ImageReference missing = ImageReference.parse(registry.hostPort() + "/pull/oci:nope");
            assertThatThrownBy(() -> new ImagePuller(client(), store, 3, FAST).pull(missing, TransferListener.NONE))
                    .isInstanceOf(RegistryException.NotFound.class).hasMessageContaining("pull/oci:nope");
        }
    }

    @Test
    void pullsThroughAMirrorFirstAndFallsBackToTheRegistryWhenTheMirrorIsDown(@TempDir Path dir) throws Exception {
        // a registry that does not exist, mirrored by the test registry: only the mirror can serve the pull
        RegistryClient mirrored = RegistryClient.builder().retry(FAST)
                .host(new RegistryHost("registry.invalid", false, null, List.of(registry.hostPort()))).build();
        try (LocalImageStore store = store(dir.resolve("mirrored"), Platform.current())) {
            Image image = new ImagePuller(mirrored, store, 2, FAST).pull(ImageReference.parse("registry.invalid/pull/oci:v1"), TransferListener.NONE);
            assertThat(image.name()).isEqualTo("registry.invalid/pull/oci:v1");
        }
        // a dead mirror in front of the real registry: the pull still succeeds from the registry
        RegistryClient deadMirror = RegistryClient.builder().retry(FAST)
                .host(new RegistryHost(registry.hostPort(), false, null, List.of("127.0.0.1:" + DockerRegistry.freePort()))).build();
        try (LocalImageStore store = store(dir.resolve("fallback"), Platform.current())) {
            new ImagePuller(deadMirror, store, 2, FAST).pull(ImageReference.parse(registry.hostPort() + "/pull/oci:v1"), TransferListener.NONE);
            assertThat(store.list()).hasSize(1);
        }
    }

    @Test
    void pushesAWholeMultiPlatformIndexAndEachPlatformPullsItsOwnImage(@TempDir Path dir) throws Exception {
        ImageReference target = ImageReference.parse(registry.hostPort() + "/pushed/multi:v1");
        try (LocalImageStore store = store(dir.resolve("a"), Platform.current())) {
            store.importLayout(shared.resolve("layout"), "example.com/layout");
            Descriptor pushed = new ImagePusher(client(), store, 2, ImagePusher.DEFAULT_CHUNK_SIZE)
                    .push("example.com/layout:multi", target, null, TransferListener.NONE);
            assertThat(pushed.mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
        }
        assertThat(client().resolve(target).mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
        try (LocalImageStore store = store(dir.resolve("b"), Platform.of("linux", OTHER_ARCH, null))) {
            assertThat(pullAndRead(store, "pushed/multi", new ConcurrentHashMap<>())).isEqualTo("foreign\n");
        }
    }

    @Test
    void pushesAPulledImageToAnotherRepositoryMountingItsBlobsAndPullsItBack(@TempDir Path dir) throws Exception {
        try (LocalImageStore store = store(dir.resolve("a"), Platform.current())) {
            String name = registry.hostPort() + "/pull/oci:v1";
            new ImagePuller(client(), store, 3, FAST).pull(ImageReference.parse(name), TransferListener.NONE);
            Map<Descriptor, TransferListener.Outcome> outcomes = new ConcurrentHashMap<>();
            ImageReference target = ImageReference.parse(registry.hostPort() + "/pushed/copy:v1");
            Descriptor pushed = new ImagePusher(client(), store, 3, ImagePusher.DEFAULT_CHUNK_SIZE).push(name, target, null, recording(outcomes));
            assertThat(outcomes).containsValue(TransferListener.Outcome.MOUNTED);
            assertThat(client().resolve(target).digest()).isEqualTo(pushed.digest());
        }
        try (LocalImageStore store = store(dir.resolve("b"), Platform.current())) {
            assertThat(pullAndRead(store, "pushed/copy", new ConcurrentHashMap<>()).length()).isPositive();
        }
    }

    @Test
    void pushesAnImageCreatedFromARootfsWithChunkedUploadsAndPullsItBack(@TempDir Path dir) throws Exception {
        Path rootfs = dir.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/berth-test"), "made by berth\n");
        Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
        Files.createSymbolicLink(rootfs.resolve("bin/sh"), Path.of("busybox"));
        ImageReference target = ImageReference.parse(registry.hostPort() + "/pushed/built:v1");
        try (LocalImageStore store = store(dir.resolve("a"), Platform.current())) {
            store.createImage("local/built:v1", rootfs, null);
            Map<Descriptor, TransferListener.Outcome> outcomes = new ConcurrentHashMap<>();
            // 256 KiB chunks: the ~1 MiB busybox layer goes up in several PATCHes
            new ImagePusher(client(), store, 2, 256 * 1024).push("local/built:v1", target, null, recording(outcomes));
            assertThat(outcomes.values()).contains(TransferListener.Outcome.UPLOADED);
        }
        try (LocalImageStore store = store(dir.resolve("b"), Platform.current())) {
            ImageReference ref = target;
            Image image = new ImagePuller(client(), store, 3, FAST).pull(ref, TransferListener.NONE);
            List<Snapshot> chain = store.ensureSnapshots(image.name());
            assertThat(chain.get(chain.size() - 1).dir().resolve("etc/berth-test")).hasContent("made by berth");
            assertThat(Files.readSymbolicLink(chain.get(chain.size() - 1).dir().resolve("bin/sh"))).isEqualTo(Path.of("busybox"));
        }
    }
}
