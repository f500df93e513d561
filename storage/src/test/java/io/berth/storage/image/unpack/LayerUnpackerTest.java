package io.berth.storage.image.unpack;

import io.berth.protocol.oci.image.Digest;
import io.berth.storage.content.BlobVerificationException;
import io.berth.storage.image.InvalidImageException;
import io.berth.storage.image.Tars;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LayerUnpackerTest {

    @TempDir
    Path dir;

    private static Map<String, Object> unix(Path p) throws Exception {
        return Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void keepsModesOwnershipMtimesXattrsLinksDevicesAndFifos() throws Exception {
        byte[] tar = new Tars()
                .dir("etc", 0750)
                .file("etc/secret", "s3cret", 0600, e -> { e.setUserId(1001); e.setGroupId(1002); })
                .file("bin/su", "suid", 04755, e -> e.addPaxHeader("SCHILY.xattr.user.berth", "hello"))
                .file("tmpdir/.keep", "", 0644)
                .dir("tmpdir", 01777)
                .symlink("bin/sh", "/bin/busybox")
                .hardlink("bin/su-link", "bin/su")
                .device("dev/null", false, 1, 3, 0666)
                .device("dev/loop0", true, 7, 0, 0660)
                .fifo("run/pipe", 0620)
                .tar();
        UnpackResult r = LayerUnpacker.unpack(new ByteArrayInputStream(Tars.gzip(tar)), dir, Tars.diffId(tar), "test layer");
        assertThat(r.diffId()).isEqualTo(Tars.diffId(tar));

        assertThat((int) unix(dir.resolve("etc")).get("mode") & 07777).isEqualTo(0750);
        Map<String, Object> secret = unix(dir.resolve("etc/secret"));
        assertThat(secret.get("uid")).isEqualTo(1001);
        assertThat(secret.get("gid")).isEqualTo(1002);
        assertThat((int) secret.get("mode") & 07777).isEqualTo(0600);
        assertThat(Files.getLastModifiedTime(dir.resolve("etc/secret")).toInstant()).isEqualTo(Tars.MTIME);
        assertThat(Files.getLastModifiedTime(dir.resolve("etc")).toInstant()).as("directory mtimes set last").isEqualTo(Tars.MTIME);
        assertThat((int) unix(dir.resolve("bin/su")).get("mode") & 07777).as("setuid kept").isEqualTo(04755);
        assertThat((int) unix(dir.resolve("tmpdir")).get("mode") & 07777).as("sticky kept").isEqualTo(01777);

        UserDefinedFileAttributeView xattrs = Files.getFileAttributeView(dir.resolve("bin/su"), UserDefinedFileAttributeView.class);
        ByteBuffer value = ByteBuffer.allocate(16);
        xattrs.read("berth", value);
        assertThat(new String(Arrays.copyOf(value.array(), value.position()), StandardCharsets.UTF_8)).isEqualTo("hello");

        assertThat(Files.readSymbolicLink(dir.resolve("bin/sh"))).hasToString("/bin/busybox");
        assertThat(unix(dir.resolve("bin/su-link")).get("ino")).isEqualTo(unix(dir.resolve("bin/su")).get("ino"));
        Map<String, Object> nul = unix(dir.resolve("dev/null"));
        assertThat((int) nul.get("mode") & 0170000).isEqualTo(0020000);
        assertThat(nul.get("rdev")).isEqualTo(Native.makedev(1, 3));
        assertThat((int) unix(dir.resolve("dev/loop0")).get("mode") & 0170000).isEqualTo(0060000);
        assertThat((int) unix(dir.resolve("run/pipe")).get("mode") & 0170000).isEqualTo(0010000);
        assertThat((int) unix(dir.resolve("run/pipe")).get("mode") & 07777).isEqualTo(0620);
    }

    @Test
    void binaryXattrValuesArriveByteForByte() throws Exception {
        byte[] tar = new Tars().file("cap", "x", 0755, e -> e.addPaxHeader("SCHILY.xattr.user.bin", "AAAAAAAA"))
                .file("other", "y", 0644, e -> e.addPaxHeader("SCHILY.xattr.user.text", "plain")).tar();
        byte[] binary = {0x00, (byte) 0xff, (byte) 0xfe, 0x01, (byte) 0x80, 0x7f, 0x00, (byte) 0xc3};
        int at = indexOf(tar, "user.bin=AAAAAAAA".getBytes(StandardCharsets.US_ASCII)) + "user.bin=".length();
        System.arraycopy(binary, 0, tar, at, binary.length); // what Go's archive/tar writes for security.capability
        LayerUnpacker.unpack(new ByteArrayInputStream(tar), dir, Tars.diffId(tar), "test layer");
        assertThat(xattr(dir.resolve("cap"), "bin")).isEqualTo(binary);
        assertThat(xattr(dir.resolve("other"), "text")).isEqualTo("plain".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void entryDataThatIsSkippedStillCountsInTheDiffId() throws Exception {
        byte[] tar = new Tars().file("a/.wh.gone", "whiteouts have no content, but this one does", 0644)
                .file(".wh..wh.plnk", "x".repeat(5000), 0644).file("kept", "k", 0644).tar();
        UnpackResult r = LayerUnpacker.unpack(new ByteArrayInputStream(tar), dir, Tars.diffId(tar), "test layer");
        assertThat(r.diffId()).isEqualTo(Tars.diffId(tar));
        assertThat(dir.resolve("kept")).hasContent("k");
    }

    private static byte[] xattr(Path p, String name) throws Exception {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
        ByteBuffer b = ByteBuffer.allocate(view.size(name));
        view.read(name, b);
        return b.array();
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        for (int i = 0; i + needle.length <= hay.length; i++) {
            if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }

    @Test
    void whiteoutsBecomeOverlayCharDevicesAndOpaqueMarkersAreConsumed() throws Exception {
        byte[] tar = new Tars().file("a/.wh.gone", "", 0644).dir("b", 0755).file("b/.wh..wh..opq", "", 0644)
                .file("b/new", "n", 0644).file(".wh..wh.plnk", "", 0644).tar();
        LayerUnpacker.unpack(new ByteArrayInputStream(tar), dir, Tars.diffId(tar), "test layer");
        Map<String, Object> wh = unix(dir.resolve("a/gone"));
        assertThat((int) wh.get("mode") & 0170000).isEqualTo(0020000);
        assertThat(wh.get("rdev")).isEqualTo(0L);
        assertThat(dir.resolve("a/.wh.gone")).doesNotExist();
        assertThat(dir.resolve("b/.wh..wh..opq")).doesNotExist();
        assertThat(dir.resolve(".wh..wh.plnk")).doesNotExist();
        assertThat(dir.resolve("b/new")).hasContent("n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "gzip", "zstd"})
    void recognisesCompressionByMagicAndVerifiesTheDiffId(String compression) throws Exception {
        byte[] tar = new Tars().file("hello", "world", 0644).tar();
        byte[] blob = switch (compression) {
            case "gzip" -> Tars.gzip(tar);
            case "zstd" -> Tars.zstd(tar);
            default -> tar;
        };
        LayerUnpacker.unpack(new ByteArrayInputStream(blob), dir, Tars.diffId(tar), "test layer");
        assertThat(dir.resolve("hello")).hasContent("world");
    }

    @Test
    void aWrongDiffIdIsRefusedNamingBoth() throws Exception {
        byte[] tar = new Tars().file("hello", "world", 0644).tar();
        Digest wrong = Digest.sha256("other".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> LayerUnpacker.unpack(new ByteArrayInputStream(tar), dir, wrong, "layer 0 of x:1"))
                .isInstanceOfSatisfying(BlobVerificationException.class, e -> {
                    assertThat(e.getMessage()).contains("layer 0 of x:1 diffID");
                    assertThat(e.expected()).isEqualTo(wrong.toString());
                    assertThat(e.actual()).isEqualTo(Tars.diffId(tar).toString());
                });
    }

    @Test
    void aTruncatedLayerIsAClearError() throws Exception {
        byte[] tar = new Tars().file("big", "x".repeat(100_000), 0644).tar();
        byte[] gz = Tars.gzip(tar);
        byte[] cut = Arrays.copyOf(gz, gz.length / 2);
        assertThatThrownBy(() -> LayerUnpacker.unpack(new ByteArrayInputStream(cut), dir, Tars.diffId(tar), "layer 3 of y:2"))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("layer 3 of y:2").hasMessageContaining("truncated");
    }

    @Test
    void laterEntriesReplaceEarlierOnesWithoutFollowingSymlinks() throws Exception {
        Path outside = Files.writeString(Files.createDirectories(dir.resolve("outside")).resolve("target"), "untouched");
        Path root = Files.createDirectories(dir.resolve("root"));
        byte[] tar = new Tars().symlink("f", outside.toString()).file("f", "replaced", 0644).tar();
        LayerUnpacker.unpack(new ByteArrayInputStream(tar), root, Tars.diffId(tar), "test layer");
        assertThat(root.resolve("f")).isRegularFile().hasContent("replaced");
        assertThat(outside).hasContent("untouched");
    }
}
