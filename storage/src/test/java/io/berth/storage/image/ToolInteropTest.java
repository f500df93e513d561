package io.berth.storage.image;

import io.berth.protocol.oci.image.Descriptor;
import io.berth.protocol.oci.image.ImageIndex;
import io.berth.protocol.oci.image.MediaTypes;
import io.berth.protocol.oci.image.OciJson;
import io.berth.protocol.oci.image.Platform;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Layouts written by umoci and skopeo (installed by ops/setup-host) import, unpack and mount; layouts Berth
 * exports are read by them. umoci builds the images from /bin/busybox, skopeo re-encodes them (gzip, zstd,
 * Docker schema 2, oci-archive, a multi-platform index) between local transports, with no network.
 */
class ToolInteropTest {

    private static final Platform AMD64 = Platform.parse("linux/amd64");
    private static final Platform ARM64 = Platform.parse("linux/arm64");

    @TempDir
    static Path tools;
    @TempDir
    Path dir;

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", cmd), out).isZero();
        return out;
    }

    /** umoci layout L with tag t (busybox, amd64), tag arm (one file, arm64) and tag multi (an index of both). */
    @BeforeAll
    static void umociLayout() throws Exception {
        Path layout = tools.resolve("L");
        run("umoci", "init", "--layout", layout.toString());
        for (String tag : List.of("t", "arm")) {
            String image = layout + ":" + tag;
            Path bundle = tools.resolve("bundle-" + tag);
            run("umoci", "new", "--image", image);
            run("umoci", "unpack", "--image", image, bundle.toString());
            Path rootfs = bundle.resolve("rootfs");
            if (tag.equals("t")) {
                Files.createDirectories(rootfs.resolve("bin"));
                Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
                Files.createSymbolicLink(rootfs.resolve("bin/sh"), Path.of("busybox"));
                Files.writeString(rootfs.resolve("arch"), "amd64");
            } else {
                Files.writeString(rootfs.resolve("arch"), "arm64");
            }
            run("umoci", "repack", "--image", image, bundle.toString());
            run("umoci", "config", "--image", image, "--architecture", tag.equals("t") ? "amd64" : "arm64", "--os", "linux",
                    "--config.cmd", "/bin/sh");
        }
        // umoci writes no index of platforms: add one by hand, tagged multi, for skopeo copy --all to carry.
        ImageIndex top = OciJson.index(Files.readAllBytes(layout.resolve("index.json")), "umoci index.json");
        List<Descriptor> platforms = new ArrayList<>();
        for (Descriptor d : top.manifests()) {
            String tag = d.annotations().get(Descriptor.REF_NAME);
            platforms.add(new Descriptor(d.mediaType(), d.digest(), d.size(), List.of(), Map.of(),
                    tag.equals("t") ? AMD64 : ARM64, null));
        }
        byte[] index = OciJson.write(new ImageIndex(2, MediaTypes.OCI_INDEX, platforms, Map.of()));
        Descriptor indexDesc = Descriptor.of(MediaTypes.OCI_INDEX, io.berth.protocol.oci.image.Digest.sha256(index), index.length);
        Files.write(layout.resolve("blobs/sha256").resolve(indexDesc.digest().hex()), index);
        List<Descriptor> entries = new ArrayList<>(top.manifests());
        entries.add(indexDesc.withAnnotations(Map.of(Descriptor.REF_NAME, "multi")));
        Files.write(layout.resolve("index.json"), OciJson.write(new ImageIndex(2, null, entries, Map.of())));
    }

    private LocalImageStore open(String name, Platform platform) throws IOException {
        return LocalImageStore.open(dir.resolve(name), ImageStoreOptions.defaults().withPlatform(platform));
    }

    private static void assertBusybox(LocalImageStore store, String name, String containerId, Path mnt) throws Exception {
        try (Mounts m = Mounts.mount(store.prepareRootfs(name, containerId), mnt)) {
            assertThat(Files.mismatch(m.dir().resolve("bin/busybox"), Path.of("/bin/busybox"))).isEqualTo(-1L);
            assertThat(run("chroot", m.dir().toString(), "/bin/sh", "-c", "read a < /arch; echo ran in $a")).isEqualTo("ran in amd64\n");
        }
        store.releaseRootfs(containerId);
    }

    @Test
    void importsUmociLayoutsAndRunsTheImage() throws Exception {
        try (LocalImageStore store = open("store", AMD64)) {
            List<Image> images = store.importLayout(tools.resolve("L"), "example.com/umoci");
            assertThat(images).extracting(Image::name)
                    .containsExactlyInAnyOrder("example.com/umoci:t", "example.com/umoci:arm", "example.com/umoci:multi");
            assertThat(store.resolve("example.com/umoci:t").config().config().cmd()).containsExactly("/bin/sh");
            assertBusybox(store, "example.com/umoci:t", "c1", dir.resolve("mnt"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "gzip, '', application/vnd.oci.image.layer.v1.tar+gzip",
            "zstd, --dest-compress-format=zstd, application/vnd.oci.image.layer.v1.tar+zstd",
            "docker schema 2, --format=v2s2, application/vnd.docker.image.rootfs.diff.tar.gzip",
    })
    void importsLayoutsSkopeoWrote(String what, String flag, String layerType) throws Exception {
        Path out = dir.resolve("copy");
        List<String> cmd = new ArrayList<>(List.of("skopeo", "copy", "--dest-compress"));
        if (!flag.isEmpty()) {
            cmd.add(flag);
        }
        cmd.addAll(List.of("oci:" + tools.resolve("L") + ":t", "oci:" + out + ":copied"));
        run(cmd.toArray(String[]::new));
        try (LocalImageStore store = open("store", AMD64)) {
            store.importLayout(out, "example.com/skopeo");
            ResolvedImage image = store.resolve("example.com/skopeo:copied");
            assertThat(image.manifest().layers()).extracting(Descriptor::mediaType).containsOnly(layerType);
            assertBusybox(store, "example.com/skopeo:copied", "c1", dir.resolve("mnt"));
        }
    }

    @Test
    void importsAnOciArchiveTarSkopeoWrote() throws Exception {
        Path tar = dir.resolve("image.tar");
        run("skopeo", "copy", "oci:" + tools.resolve("L") + ":t", "oci-archive:" + tar + ":archived");
        try (LocalImageStore store = open("store", AMD64)) {
            assertThat(store.importLayout(tar, "example.com/archive")).extracting(Image::name).containsExactly("example.com/archive:archived");
            assertBusybox(store, "example.com/archive:archived", "c1", dir.resolve("mnt"));
        }
    }

    @Test
    void multiPlatformIndexCopiedBySkopeoResolvesPerPlatform() throws Exception {
        Path out = dir.resolve("multi");
        run("skopeo", "copy", "--all", "oci:" + tools.resolve("L") + ":multi", "oci:" + out + ":multi");
        try (LocalImageStore store = open("amd", AMD64)) {
            store.importLayout(out, "example.com/multi");
            Image image = store.find("example.com/multi:multi").orElseThrow();
            assertThat(image.target().mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
            assertBusybox(store, "example.com/multi:multi", "c1", dir.resolve("mnt"));
        }
        try (LocalImageStore store = open("arm", Platform.parse("linux/aarch64"))) {
            store.importLayout(out, "example.com/multi");
            List<Snapshot> chain = store.ensureSnapshots("example.com/multi:multi");
            assertThat(chain.get(chain.size() - 1).dir().resolve("arch")).hasContent("arm64");
            assertThat(store.resolve("example.com/multi:multi").config().architecture()).isEqualTo("arm64");
        }
    }

    @Test
    void layoutsBerthExportsAreReadByUmociAndSkopeo() throws Exception {
        try (LocalImageStore store = open("store", AMD64)) {
            store.createImage("example.com/berth:v1", LocalImageStoreTest.busyboxRootfs(dir.resolve("rootfs")), null);
            store.exportLayout(List.of("example.com/berth:v1"), dir.resolve("exported"), false);
        }
        assertThat(run("skopeo", "inspect", "oci:" + dir.resolve("exported") + ":v1")).contains("\"Architecture\": \"amd64\"");
        run("umoci", "unpack", "--image", dir.resolve("exported") + ":v1", dir.resolve("bundle").toString());
        assertThat(Files.mismatch(dir.resolve("bundle/rootfs/bin/busybox"), Path.of("/bin/busybox"))).isEqualTo(-1L);
        assertThat(dir.resolve("bundle/rootfs/etc/motd")).hasContent("welcome to berth");
    }
}
