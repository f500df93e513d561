package io.berth.storage.image;

import io.berth.protocol.oci.image.Descriptor;
import io.berth.protocol.oci.image.Digest;
import io.berth.protocol.oci.image.ImageConfig;
import io.berth.protocol.oci.image.Manifest;
import io.berth.protocol.oci.image.MediaTypes;
import io.berth.protocol.oci.image.OciJson;
import io.berth.protocol.oci.image.Platform;
import io.berth.storage.content.BlobInfo;
import io.berth.storage.content.BlobNotFoundException;
import io.berth.storage.content.BlobVerificationException;
import io.berth.storage.content.Lease;
import io.berth.storage.content.LocalContentStore;
import io.berth.storage.content.StoreFullException;
import io.berth.storage.content.Tmpfs;
import io.berth.storage.image.unpack.UnsafeLayerException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalImageStoreTest {

    private static final Platform AMD64 = Platform.parse("linux/amd64");

    @TempDir
    Path dir;
    private LocalImageStore store;

    @BeforeEach
    void open() throws Exception {
        store = LocalImageStore.open(dir.resolve("store"), ImageStoreOptions.defaults().withPlatform(AMD64));
    }

    @AfterEach
    void close() throws Exception {
        store.close();
    }

    /** A busybox root file system: the one binary and its applet links, enough to run a shell. */
    static Path busyboxRootfs(Path dir) throws Exception {
        Path rootfs = Files.createDirectories(dir);
        Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
        for (String applet : List.of("sh", "ls", "cat", "echo")) {
            Files.createSymbolicLink(rootfs.resolve("bin/" + applet), Path.of("busybox"));
        }
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/motd"), "welcome to berth\n");
        Files.createLink(rootfs.resolve("etc/motd.link"), rootfs.resolve("etc/motd"));
        Files.createDirectories(rootfs.resolve("dev"));
        Tmpfs.run("mknod", "-m", "666", rootfs.resolve("dev/null").toString(), "c", "1", "3");
        return rootfs;
    }

    @Test
    void createdBusyboxImageMountsAsAnOverlayAndRuns() throws Exception {
        Path rootfs = busyboxRootfs(dir.resolve("rootfs"));
        Image image = store.createImage("example.com/busybox:1", rootfs,
                new ImageConfig.ExecConfig(null, null, List.of("PATH=/bin"), null, List.of("sh"), null, null, null, null));
        assertThat(image.target().mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
        ResolvedImage resolved = store.resolve("example.com/busybox:1");
        assertThat(resolved.config().config().cmd()).containsExactly("sh");
        assertThat(resolved.config().platform()).hasToString("linux/amd64");

        RootfsMount mount = store.prepareRootfs("example.com/busybox:1", "c1");
        assertThat(mount.lowerDirs()).hasSize(1);
        assertThat(store.prepareRootfs("example.com/busybox:1", "c1")).as("re-adopting returns the same dirs").isEqualTo(mount);
        try (Mounts m = Mounts.mount(mount, dir.resolve("mnt"))) {
            Path root = m.dir();
            assertThat(Files.mismatch(root.resolve("bin/busybox"), Path.of("/bin/busybox"))).isEqualTo(-1L);
            assertThat(Files.readSymbolicLink(root.resolve("bin/sh"))).hasToString("busybox");
            assertThat(root.resolve("etc/motd")).hasContent("welcome to berth");
            assertThat(Files.getAttribute(root.resolve("etc/motd.link"), "unix:ino")).isEqualTo(Files.getAttribute(root.resolve("etc/motd"), "unix:ino"));
            assertThat((long) Files.getAttribute(root.resolve("dev/null"), "unix:rdev", LinkOption.NOFOLLOW_LINKS)).isNotZero();
            Process p = new ProcessBuilder("chroot", root.toString(), "/bin/sh", "-c", "cat /etc/motd; echo written > /new")
                    .redirectErrorStream(true).start();
            assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("welcome to berth\n");
            assertThat(p.waitFor()).isZero();
        }
        assertThat(mount.upperDir().resolve("new")).as("writes land in the container's upper dir").hasContent("written");
        assertThat(mount.lowerDirs().get(0).resolve("new")).doesNotExist();
        store.releaseRootfs("c1");
        assertThat(mount.upperDir()).doesNotExist();
    }

    @Test
    void whiteoutsAndOpaqueDirectoriesHideLowerFilesThroughARealOverlay() throws Exception {
        byte[] base = new Tars().file("a/x", "x", 0644).file("a/y", "y", 0644).file("b/z", "z", 0644).file("c/k", "k", 0644).tar();
        byte[] middle = new Tars().file("a/.wh.x", "", 0644).dir("b", 0755).file("b/.wh..wh..opq", "", 0644).file("b/new", "new", 0644).tar();
        byte[] top = new Tars().file(".wh.c", "", 0644).file("a/x", "back", 0644).tar();
        store.putImage("example.com/layers:1", TestImages.manifest(store.content(), List.of(base, middle), AMD64));
        store.putImage("example.com/layers:2", TestImages.manifest(store.content(), List.of(base, middle, top), AMD64));

        try (Mounts m = Mounts.mount(store.prepareRootfs("example.com/layers:1", "c1"), dir.resolve("m1"))) {
            assertThat(m.dir().resolve("a/x")).doesNotExist();
            assertThat(m.dir().resolve("a/y")).hasContent("y");
            assertThat(m.dir().resolve("b/z")).as("opaque dir hides the lower b/").doesNotExist();
            assertThat(m.dir().resolve("b/new")).hasContent("new");
            assertThat(m.dir().resolve("c/k")).hasContent("k");
        }
        try (Mounts m = Mounts.mount(store.prepareRootfs("example.com/layers:2", "c2"), dir.resolve("m2"))) {
            assertThat(m.dir().resolve("a/x")).hasContent("back");
            assertThat(m.dir().resolve("c")).doesNotExist();
        }
    }

    @Test
    void imagesWithTheSameLayerChainShareSnapshots() throws Exception {
        byte[] base = new Tars().file("base", "b", 0644).tar();
        byte[] one = new Tars().file("one", "1", 0644).tar();
        byte[] two = new Tars().file("two", "2", 0644).tar();
        store.putImage("example.com/a:1", TestImages.manifest(store.content(), List.of(base, one), AMD64));
        store.putImage("example.com/b:1", TestImages.manifest(store.content(), List.of(base, two), AMD64));
        List<Snapshot> a = store.ensureSnapshots("example.com/a:1");
        List<Snapshot> b = store.ensureSnapshots("example.com/b:1");
        assertThat(a.get(0)).isEqualTo(b.get(0));
        assertThat(a.get(1).dir()).isNotEqualTo(b.get(1).dir());
        assertThat(a.get(1).parent()).isEqualTo(a.get(0).chainId());
        assertThat(a.get(0).chainId()).isEqualTo(Tars.diffId(base));
        assertThat(store.snapshots()).hasSize(3);
    }

    @Test
    void anIndexResolvesToThePlatformsManifest() throws Exception {
        byte[] armTar = new Tars().file("arch", "arm64", 0644).tar();
        byte[] amdTar = new Tars().file("arch", "amd64", 0644).tar();
        Descriptor arm = TestImages.manifest(store.content(), List.of(armTar), Platform.parse("linux/arm64"));
        Descriptor amd = TestImages.manifest(store.content(), List.of(amdTar), AMD64);
        Descriptor index = TestImages.index(store.content(), List.of(
                amd.withPlatform(Platform.of("linux", "amd64", null)),
                arm.withPlatform(Platform.of("linux", "arm64", "v8")),
                Descriptor.of(MediaTypes.OCI_MANIFEST, Digest.sha256(new byte[]{1}), 10).withPlatform(Platform.of("linux", "arm", "v7"))),
                MediaTypes.OCI_INDEX);
        store.putImage("example.com/multi:1", index);
        assertThat(store.resolve("example.com/multi:1").manifestDescriptor().digest()).isEqualTo(amd.digest());
        store.close();
        store = LocalImageStore.open(dir.resolve("store"), ImageStoreOptions.defaults().withPlatform(Platform.parse("linux/aarch64")));
        assertThat(store.resolve("example.com/multi:1").manifestDescriptor().digest()).isEqualTo(arm.digest());
        Snapshot s = store.ensureSnapshots("example.com/multi:1").get(0);
        assertThat(s.dir().resolve("arch")).hasContent("arm64");
        store.close();
        store = LocalImageStore.open(dir.resolve("store"), ImageStoreOptions.defaults().withPlatform(Platform.parse("linux/arm/v7")));
        assertThatThrownBy(() -> store.resolve("example.com/multi:1")).isInstanceOf(BlobNotFoundException.class);
        store.close();
        store = LocalImageStore.open(dir.resolve("store"), ImageStoreOptions.defaults().withPlatform(Platform.parse("linux/s390x")));
        assertThatThrownBy(() -> store.resolve("example.com/multi:1")).isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("no manifest for platform linux/s390x").hasMessageContaining("linux/arm64/v8");
    }

    @Test
    void dockerSchema2ManifestListsAndManifestsAreStored() throws Exception {
        byte[] tar = new Tars().file("docker", "yes", 0644).tar();
        Descriptor layer = TestImages.put(store.content(), Tars.gzip(tar), MediaTypes.DOCKER_LAYER_GZIP);
        Descriptor config = TestImages.put(store.content(), TestImages.config(List.of(tar), AMD64), MediaTypes.DOCKER_CONFIG);
        Descriptor manifest = TestImages.put(store.content(), OciJson.write(new Manifest(2, MediaTypes.DOCKER_MANIFEST, null,
                config, List.of(layer), null, Map.of())), MediaTypes.DOCKER_MANIFEST);
        Descriptor list = TestImages.index(store.content(), List.of(manifest.withPlatform(AMD64)), MediaTypes.DOCKER_MANIFEST_LIST);
        store.putImage("docker.io/library/test:1", list);
        assertThat(store.ensureSnapshots("docker.io/library/test:1").get(0).dir().resolve("docker")).hasContent("yes");
    }

    @Test
    void garbageCollectionKeepsWhatNamesLeasesAndContainersHold() throws Exception {
        byte[] a = new Tars().file("a", "a", 0644).tar();
        byte[] b = new Tars().file("b", "b", 0644).tar();
        Descriptor ma = TestImages.manifest(store.content(), List.of(a), AMD64);
        Descriptor mb = TestImages.manifest(store.content(), List.of(b), AMD64);
        store.putImage("example.com/a:1", ma);
        store.putImage("example.com/b:1", mb);
        store.ensureSnapshots("example.com/a:1");
        RootfsMount rootfs = store.prepareRootfs("example.com/b:1", "running");
        Descriptor leased = TestImages.put(store.content(), "held by a pull".getBytes(StandardCharsets.UTF_8), MediaTypes.OCI_LAYER_GZIP);
        Descriptor garbage = TestImages.put(store.content(), "nobody's".getBytes(StandardCharsets.UTF_8), MediaTypes.OCI_LAYER_GZIP);
        try (Lease lease = store.content().leases().acquire("pull-x", Duration.ofMinutes(5))) {
            lease.addBlob(leased.digest());
            assertThat(store.prune().blobsRemoved()).containsExactly(garbage.digest());

            store.remove("example.com/a:1");
            store.remove("example.com/b:1");
            PruneResult r = store.prune();
            assertThat(r.snapshotsRemoved()).containsExactly(Tars.diffId(a));
            assertThat(store.snapshots()).extracting(Snapshot::chainId).as("the container's snapshot stays").containsExactly(Tars.diffId(b));
            assertThat(store.content().list()).extracting(BlobInfo::digest).containsExactly(leased.digest());
            assertThat(rootfs.lowerDirs().get(0)).isDirectory();
        }
        store.releaseRootfs("running");
        store.prune();
        assertThat(store.snapshots()).isEmpty();
        assertThat(store.content().list()).isEmpty();
        assertThat(store.diskUsage()).isZero();
        try (Stream<Path> s = Files.list(dir.resolve("store/snapshots"))) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void overTheQuotaTheLeastRecentlyUsedUnusedImagesAreEvicted() throws Exception {
        MutableClock clock = new MutableClock();
        store.close();
        store = LocalImageStore.open(dir.resolve("store"), ImageStoreOptions.defaults().withPlatform(AMD64), clock);
        String[] names = {"example.com/old:1", "example.com/used:1", "example.com/mid:1", "example.com/new:1"};
        java.util.Random random = new java.util.Random(1);
        for (String n : names) {
            byte[] data = new byte[100_000];
            random.nextBytes(data);
            byte[] tar = new Tars().file("data", java.util.HexFormat.of().formatHex(data), 0644).tar();
            store.putImage(n, TestImages.manifest(store.content(), List.of(tar), AMD64));
            store.ensureSnapshots(n);
            clock.advance();
        }
        store.prepareRootfs("example.com/used:1", "c1");
        clock.advance();
        store.ensureSnapshots("example.com/mid:1"); // now used more recently than new:1
        long perImage = store.diskUsage() / 4;
        store.close();
        store = LocalImageStore.open(dir.resolve("store"), ImageStoreOptions.defaults().withPlatform(AMD64).withQuota(perImage * 2 + perImage / 2), clock);
        PruneResult r = store.prune();
        assertThat(r.imagesRemoved()).containsExactly("example.com/old:1", "example.com/new:1");
        assertThat(store.list()).extracting(Image::name).containsExactly("example.com/mid:1", "example.com/used:1");
        assertThat(store.diskUsage()).isLessThanOrEqualTo(perImage * 2 + perImage / 2);

        // Storing and unpacking one more goes over the quota again: the store evicts by itself, never the new one.
        clock.advance();
        byte[] data = new byte[100_000];
        random.nextBytes(data);
        store.putImage("example.com/newest:1", TestImages.manifest(store.content(),
                List.of(new Tars().file("data", java.util.HexFormat.of().formatHex(data), 0644).tar()), AMD64));
        store.ensureSnapshots("example.com/newest:1");
        assertThat(store.list()).extracting(Image::name).containsExactly("example.com/newest:1", "example.com/used:1");
    }

    @Test
    void exportedLayoutsImportIntoAnotherStoreAsDirectoryAndTar() throws Exception {
        Image image = store.createImage("example.com/busybox:1", busyboxRootfs(dir.resolve("rootfs")), null);
        store.exportLayout(List.of("example.com/busybox:1"), dir.resolve("layout"), false);
        store.exportLayout(List.of("example.com/busybox:1"), dir.resolve("layout.tar"), true);
        assertThat(dir.resolve("layout/oci-layout")).exists();
        assertThat(dir.resolve("layout/blobs/sha256").resolve(image.target().digest().hex())).exists();
        assertThatThrownBy(() -> store.exportLayout(List.of("example.com/busybox:1"), dir.resolve("layout"), false))
                .hasMessageContaining("exists");
        for (String source : List.of("layout", "layout.tar")) {
            try (LocalImageStore other = LocalImageStore.open(dir.resolve("other-" + source), ImageStoreOptions.defaults().withPlatform(AMD64))) {
                List<Image> imported = other.importLayout(dir.resolve(source), null);
                assertThat(imported).singleElement().satisfies(i -> {
                    assertThat(i.name()).isEqualTo("example.com/busybox:1");
                    assertThat(i.target().digest()).isEqualTo(image.target().digest());
                });
                Path busybox = other.ensureSnapshots("example.com/busybox:1").get(0).dir().resolve("bin/busybox");
                assertThat(Files.mismatch(busybox, Path.of("/bin/busybox"))).isEqualTo(-1L);
            }
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).as("no temporary export left").noneMatch(n -> n.contains(".tmp-"));
        }
    }

    @Test
    void badReferencesAndUnknownImagesAreClearErrors() throws Exception {
        assertThatThrownBy(() -> store.resolve("Example.com/UPPER:1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'Example.com/UPPER:1'").hasMessageContaining("repository:tag");
        assertThatThrownBy(() -> store.resolve("localhost:5000/no-tag")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.resolve("example.com/missing:1")).isInstanceOf(ImageNotFoundException.class)
                .hasMessageContaining("example.com/missing:1").hasMessageContaining("pull or import");
        assertThatThrownBy(() -> store.prepareRootfs("example.com/missing:1", "c1")).isInstanceOf(ImageNotFoundException.class);
        assertThatThrownBy(() -> store.prepareRootfs("example.com/missing:1", "../x")).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.remove("example.com/missing:1")).isFalse();
        Descriptor m = TestImages.manifest(store.content(), List.of(new Tars().file("f", "f", 0644).tar()), AMD64);
        assertThat(store.putImage("example.com/pinned@" + m.digest(), m).name()).endsWith(m.digest().toString());
        Digest other = Digest.sha256(new byte[]{1});
        assertThatThrownBy(() -> store.putImage("example.com/pinned@" + other, m)).isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("pins digest " + other);
    }

    @Test
    void documentsThatLieAboutMediaTypeOrSizeAreRefusedAndNotNamed() throws Exception {
        byte[] tar = new Tars().file("f", "f", 0644).tar();
        Descriptor good = TestImages.manifest(store.content(), List.of(tar), AMD64);
        // The manifest says it is an OCI manifest; the descriptor claims a Docker one.
        Descriptor wrongType = Descriptor.of(MediaTypes.DOCKER_MANIFEST, good.digest(), good.size());
        assertThatThrownBy(() -> store.putImage("example.com/x:1", wrongType))
                .isInstanceOfSatisfying(BlobVerificationException.class, e -> assertThat(e.kind()).isEqualTo(BlobVerificationException.Kind.MEDIA_TYPE));
        assertThatThrownBy(() -> store.putImage("example.com/x:1", Descriptor.of(MediaTypes.OCI_MANIFEST, good.digest(), good.size() + 1)))
                .isInstanceOfSatisfying(BlobVerificationException.class, e -> assertThat(e.kind()).isEqualTo(BlobVerificationException.Kind.SIZE));
        assertThatThrownBy(() -> store.putImage("example.com/x:1", Descriptor.of(MediaTypes.OCI_CONFIG, good.digest(), good.size())))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("not a manifest or index");
        Manifest m = OciJson.manifest(store.content().readAll(good.digest(), 1 << 20), "m");
        Descriptor missingLayer = TestImages.put(store.content(), OciJson.write(new Manifest(2, MediaTypes.OCI_MANIFEST, null, m.config(),
                List.of(Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(new byte[]{9}), 1)), null, Map.of())), MediaTypes.OCI_MANIFEST);
        assertThatThrownBy(() -> store.putImage("example.com/x:1", missingLayer)).isInstanceOf(BlobNotFoundException.class);
        assertThat(store.list()).isEmpty();
    }

    @Test
    void aLayerWhoseDiffIdDoesNotMatchLeavesNoSnapshot() throws Exception {
        byte[] real = new Tars().file("real", "r", 0644).tar();
        byte[] claimed = new Tars().file("claimed", "c", 0644).tar();
        Descriptor layer = TestImages.put(store.content(), Tars.gzip(real), MediaTypes.OCI_LAYER_GZIP);
        Descriptor config = TestImages.put(store.content(), TestImages.config(List.of(claimed), AMD64), MediaTypes.OCI_CONFIG);
        Descriptor manifest = TestImages.put(store.content(), OciJson.write(new Manifest(2, MediaTypes.OCI_MANIFEST, null, config,
                List.of(layer), null, Map.of())), MediaTypes.OCI_MANIFEST);
        store.putImage("example.com/lying:1", manifest);
        assertThatThrownBy(() -> store.ensureSnapshots("example.com/lying:1"))
                .isInstanceOfSatisfying(BlobVerificationException.class, e -> {
                    assertThat(e.getMessage()).contains("layer 0").contains("example.com/lying:1");
                    assertThat(e.expected()).isEqualTo(Tars.diffId(claimed).toString());
                });
        assertThat(store.snapshots()).isEmpty();
        try (Stream<Path> s = Files.list(dir.resolve("store/snapshots"))) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void aMaliciousLayerInAnImageIsRefusedAndLeavesNoSnapshot() throws Exception {
        byte[] evil = new Tars().symlink("etc", "/etc").file("etc/berth-pwned", "x", 0644).tar();
        store.putImage("example.com/evil:1", TestImages.manifest(store.content(), List.of(evil), AMD64));
        assertThatThrownBy(() -> store.prepareRootfs("example.com/evil:1", "c1")).isInstanceOf(UnsafeLayerException.class);
        assertThat(Path.of("/etc/berth-pwned")).doesNotExist();
        assertThat(store.snapshots()).isEmpty();
        try (Stream<Path> s = Files.list(dir.resolve("store/snapshots"))) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void aFullDiskWhileUnpackingLeavesNothingHalfWritten() throws Exception {
        store.close();
        try (Tmpfs tmpfs = Tmpfs.mount(dir.resolve("small"), "16m")) {
            try (LocalImageStore small = LocalImageStore.open(tmpfs.dir(), ImageStoreOptions.defaults().withPlatform(AMD64))) {
                // 40 MiB of zeros compress to a few KiB: the blob fits, the unpacked file does not.
                byte[] tar = new Tars().file("zeros", "\0".repeat(40 << 20), 0644).tar();
                small.putImage("example.com/big:1", TestImages.manifest(small.content(), List.of(tar), AMD64));
                assertThatThrownBy(() -> small.ensureSnapshots("example.com/big:1")).isInstanceOf(StoreFullException.class)
                        .hasMessageContaining("no space left").hasMessageContaining("layer 0");
                assertThat(small.snapshots()).isEmpty();
                try (Stream<Path> s = Files.list(tmpfs.dir().resolve("snapshots"))) {
                    assertThat(s).isEmpty();
                }
                assertThat(small.resolve("example.com/big:1").chainIds()).hasSize(1);
            }
        }
        store = LocalImageStore.open(dir.resolve("store"), ImageStoreOptions.defaults().withPlatform(AMD64));
    }

    @Test
    void concurrentUnpacksOfTheSameChainUnpackItOnce() throws Exception {
        byte[] base = new Tars().file("base", "b".repeat(100_000), 0644).tar();
        store.putImage("example.com/a:1", TestImages.manifest(store.content(), List.of(base), AMD64));
        store.putImage("example.com/b:1", TestImages.manifest(store.content(), List.of(base, new Tars().file("b", "b", 0644).tar()), AMD64));
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<List<Snapshot>>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String name = i % 2 == 0 ? "example.com/a:1" : "example.com/b:1";
                results.add(pool.submit(() -> store.ensureSnapshots(name)));
            }
            java.util.Set<Path> baseDirs = new java.util.HashSet<>();
            for (var f : results) {
                baseDirs.add(f.get().get(0).dir());
            }
            assertThat(baseDirs).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
        try (Stream<Path> s = Files.list(dir.resolve("store/snapshots"))) {
            assertThat(s).hasSize(2);
        }
    }

    @Test
    void expiredLeasesAndStaleIngestsAreCollected() throws Exception {
        MutableClock clock = new MutableClock();
        store.close();
        store = LocalImageStore.open(dir.resolve("store"), ImageStoreOptions.defaults().withPlatform(AMD64), clock);
        Descriptor held = TestImages.put(store.content(), "held".getBytes(StandardCharsets.UTF_8), MediaTypes.OCI_LAYER_GZIP);
        store.content().leases().acquire("pull-crashed", Duration.ofMinutes(5)).addBlob(held.digest());
        byte[] partial = "partial".getBytes(StandardCharsets.UTF_8);
        try (var w = store.content().writer("pull-interrupted", null, Duration.ofSeconds(1))) {
            w.write(partial, 0, partial.length);
        }
        assertThat(store.prune().blobsRemoved()).isEmpty();
        assertThat(store.content().ingests()).hasSize(1);
        for (int i = 0; i < 10; i++) {
            clock.advance();
        }
        PruneResult r = store.prune();
        assertThat(r.blobsRemoved()).as("the lease expired").containsExactly(held.digest());
        assertThat(store.content().leases().active()).isEmpty();
        assertThat(store.content().ingests()).as("the ingest is only minutes old").hasSize(1);
        store.close();
        store = LocalImageStore.open(dir.resolve("store"), new ImageStoreOptions(AMD64, Long.MAX_VALUE, Duration.ofMinutes(1), 1 << 20), clock);
        Files.setLastModifiedTime(findIngestData(), java.nio.file.attribute.FileTime.from(clock.instant().minusSeconds(600)));
        assertThat(store.prune().ingestsRemoved()).containsExactly("pull-interrupted");
        assertThat(store.content().ingests()).isEmpty();
    }

    @Test
    void leasesADeadProcessLeftAreDroppedOnOpening() throws Exception {
        Descriptor held = TestImages.put(store.content(), "held".getBytes(StandardCharsets.UTF_8), MediaTypes.OCI_LAYER_GZIP);
        store.content().leases().acquire("pull-killed", Duration.ofHours(6)).addBlob(held.digest());
        assertThat(store.prune().blobsRemoved()).as("held while the process lives").isEmpty();
        store.close();  // as a SIGKILL would: the lease is never released
        store = LocalImageStore.open(dir.resolve("store"), ImageStoreOptions.defaults().withPlatform(AMD64));
        assertThat(store.content().leases().active()).isEmpty();
        assertThat(store.prune().blobsRemoved()).containsExactly(held.digest());
    }

    private Path findIngestData() throws Exception {
        try (Stream<Path> s = Files.walk(dir.resolve("store/ingest"))) {
            return s.filter(p -> p.getFileName().toString().equals("data")).findFirst().orElseThrow();
        }
    }

    @Test
    void reopeningRemovesOrphanContainerDirectoriesAndDanglingRecords() throws Exception {
        store.putImage("example.com/a:1", TestImages.manifest(store.content(), List.of(new Tars().file("a", "a", 0644).tar()), AMD64));
        RootfsMount kept = store.prepareRootfs("example.com/a:1", "kept");
        RootfsMount lost = store.prepareRootfs("example.com/a:1", "lost");
        store.close();
        io.berth.storage.content.LocalContentStore.deleteTree(lost.upperDir().getParent());
        Path orphan = Files.createDirectories(dir.resolve("store/containers/orphan/upper"));
        Path strayImport = Files.createDirectories(dir.resolve("store/import-12345"));
        store = LocalImageStore.open(dir.resolve("store"), ImageStoreOptions.defaults().withPlatform(AMD64));
        assertThat(orphan.getParent()).doesNotExist();
        assertThat(strayImport).doesNotExist();
        assertThat(kept.upperDir()).isDirectory();
        store.remove("example.com/a:1");
        store.prune();
        assertThat(store.snapshots()).as("only the kept container holds the snapshot").hasSize(1);
        store.releaseRootfs("kept");
        store.prune();
        assertThat(store.snapshots()).isEmpty();
    }

    @Test
    void checkFindsASoundStoreSoundAndNamesEveryKindOfDamage() throws Exception {
        Descriptor target = TestImages.manifest(store.content(), List.of(new Tars().file("a", "a", 0644).tar()), AMD64);
        store.putImage("example.com/a:1", target);
        store.prepareRootfs("example.com/a:1", "c1");
        StoreCheck sound = store.check();
        assertThat(sound.problems()).isEmpty();
        assertThat(sound).extracting(StoreCheck::blobs, StoreCheck::images, StoreCheck::snapshots, StoreCheck::containers)
                .containsExactly(3, 1, 1, 1);
        assertThat(sound.blobBytes()).isEqualTo(store.content().totalSize());

        Manifest m = OciJson.manifest(store.content().readAll(target.digest(), 1 << 20), "test");
        Path layer = dir.resolve("store/blobs/sha256").resolve(m.layers().get(0).digest().hex());
        byte[] bytes = Files.readAllBytes(layer);
        bytes[bytes.length / 2] ^= 1;  // the same size, another digest: damage only reading every byte finds
        Files.write(layer, bytes);
        Files.writeString(dir.resolve("store/blobs/sha256").resolve("0".repeat(64)), "stray");
        Files.createDirectories(dir.resolve("store/snapshots/tmp-99"));
        Files.createDirectories(dir.resolve("store/containers/nobody/upper"));
        Snapshot snapshot = store.snapshots().get(0);
        LocalContentStore.deleteTree(snapshot.dir());

        assertThat(store.check().problems()).satisfiesExactlyInAnyOrder(
                p -> assertThat(p).startsWith("blob " + m.layers().get(0).digest()).contains("does not have that digest"),
                p -> assertThat(p).contains("0".repeat(64)).contains("has no index entry"),
                p -> assertThat(p).contains("tmp-99").contains("half-unpacked"),
                p -> assertThat(p).contains("containers/nobody").contains("no rootfs record"),
                p -> assertThat(p).startsWith("snapshot " + snapshot.chainId()).contains("is missing"));
    }

    @Test
    void anImageIsCreatedFromARootfsTarWrittenByGnuTar() throws Exception {
        Path rootfs = busyboxRootfs(dir.resolve("rootfs"));
        Path tar = dir.resolve("rootfs.tar.gz");
        Tmpfs.run("tar", "-C", rootfs.toString(), "-czf", tar.toString(), ".");
        store.createImage("example.com/fromtar:1", tar, null);
        Path snapshot = store.ensureSnapshots("example.com/fromtar:1").get(0).dir();
        assertThat(Files.mismatch(snapshot.resolve("bin/busybox"), Path.of("/bin/busybox"))).isEqualTo(-1L);
        assertThat(Files.readSymbolicLink(snapshot.resolve("bin/sh"))).hasToString("busybox");
        assertThat(Files.getAttribute(snapshot.resolve("etc/motd.link"), "unix:ino")).isEqualTo(Files.getAttribute(snapshot.resolve("etc/motd"), "unix:ino"));
    }

    @Test
    void aLayoutWithACorruptBlobIsRefusedAndNothingIsNamed() throws Exception {
        Image image = store.createImage("example.com/busybox:1", busyboxRootfs(dir.resolve("rootfs")), null);
        store.exportLayout(List.of("example.com/busybox:1"), dir.resolve("layout"), false);
        Manifest m = OciJson.manifest(store.content().readAll(image.target().digest(), 1 << 20), "m");
        Path layer = dir.resolve("layout/blobs/sha256").resolve(m.layers().get(0).digest().hex());
        byte[] bytes = Files.readAllBytes(layer);
        bytes[bytes.length / 2] ^= 1;
        Files.write(layer, bytes);
        try (LocalImageStore other = LocalImageStore.open(dir.resolve("other"), ImageStoreOptions.defaults().withPlatform(AMD64))) {
            assertThatThrownBy(() -> other.importLayout(dir.resolve("layout"), null))
                    .isInstanceOfSatisfying(BlobVerificationException.class, e -> {
                        assertThat(e.kind()).isEqualTo(BlobVerificationException.Kind.DIGEST);
                        assertThat(e.expected()).isEqualTo(m.layers().get(0).digest().toString());
                    });
            assertThat(other.list()).isEmpty();
            assertThat(other.content().exists(m.layers().get(0).digest())).isFalse();
            assertThat(other.content().ingests()).isEmpty();
            assertThatThrownBy(() -> other.importLayout(dir.resolve("rootfs"), null)).isInstanceOf(InvalidImageException.class)
                    .hasMessageContaining("not an OCI image layout");
        }
    }

    @Test
    void aLayoutTarCanOnlyDeliverLayoutFiles() throws Exception {
        store.createImage("example.com/busybox:1", busyboxRootfs(dir.resolve("rootfs")), null);
        store.exportLayout(List.of("example.com/busybox:1"), dir.resolve("layout"), false);
        Path escapee = dir.resolve("escapee");
        Tars tar = new Tars().file("../escapee", "x", 0644).file(escapee.toString(), "x", 0644)
                .symlink("blobs/sha256/link", escapee.toString());
        try (Stream<Path> files = Files.walk(dir.resolve("layout"))) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(p)) {
                    tar.file(dir.resolve("layout").relativize(p).toString(), Files.readAllBytes(p), 0644, e -> { });
                }
            }
        }
        tar.file("blobs/sha256/../../../escapee", "x", 0644);
        Path layoutTar = Files.write(dir.resolve("evil-layout.tar"), tar.tar());
        try (LocalImageStore other = LocalImageStore.open(dir.resolve("other"), ImageStoreOptions.defaults().withPlatform(AMD64))) {
            assertThat(other.importLayout(layoutTar, null)).extracting(Image::name).containsExactly("example.com/busybox:1");
        }
        assertThat(escapee).doesNotExist();
        try (Stream<Path> s = Files.list(dir.resolve("other"))) {
            assertThat(s.map(p -> p.getFileName().toString())).as("the extraction directory is gone").noneMatch(n -> n.startsWith("import-"));
        }
    }

    /** A clock the test moves forward a minute at a time. */
    static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance() {
            now = now.plusSeconds(60);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
