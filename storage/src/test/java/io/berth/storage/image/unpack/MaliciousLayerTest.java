package io.berth.storage.image.unpack;

import io.berth.storage.image.Tars;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One crafted layer per escape class (CVE-2018-15664, CVE-2021-32760, umoci's CVE-2021-29136 and their
 * relatives): each is refused, and nothing outside the snapshot directory is touched.
 */
class MaliciousLayerTest {

    @TempDir
    Path dir;
    private Path root;
    private Path outside;

    @BeforeEach
    void sandbox() throws IOException {
        root = Files.createDirectories(dir.resolve("root"));
        outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "original");
    }

    static Stream<Arguments> escapes() {
        return Stream.of(
                escape("dot-dot name", o -> new Tars().file("../outside/pwned", "x", 0644)),
                escape("dot-dot inside a longer name", o -> new Tars().file("a/../../outside/pwned", "x", 0644)),
                escape("absolute name", o -> new Tars().file(o.resolve("pwned").toString(), "x", 0644)),
                escape("write through a relative symlink", o -> new Tars().symlink("esc", "../outside").file("esc/pwned", "x", 0644)),
                escape("write through an absolute symlink", o -> new Tars().symlink("esc", o.toString()).file("esc/pwned", "x", 0644)),
                escape("directory through a symlink", o -> new Tars().symlink("esc", o.toString()).dir("esc/newdir", 0755)),
                escape("device through a symlink", o -> new Tars().symlink("esc", o.toString()).device("esc/mem", false, 1, 1, 0666)),
                escape("symlink through a symlink", o -> new Tars().symlink("esc", o.toString()).symlink("esc/secret", "/etc/shadow")),
                escape("hard link to ..", o -> new Tars().hardlink("h", "../outside/secret")),
                escape("hard link to an absolute path", o -> new Tars().hardlink("h", o.resolve("secret").toString())),
                escape("hard link through a symlink", o -> new Tars().symlink("l", o.toString()).hardlink("h", "l/secret")),
                escape("hard link to a directory", o -> new Tars().dir("d", 0755).hardlink("h", "d")),
                escape("hard link to the root", o -> new Tars().hardlink("h", ".")),
                escape("whiteout naming the parent", o -> new Tars().dir("a", 0755).file("a/.wh..", "", 0644)),
                escape("whiteout naming the root's parent", o -> new Tars().file(".wh..", "", 0644)),
                escape("whiteout naming the directory itself", o -> new Tars().file("a/.wh..", "", 0644).file(".wh.", "", 0644)),
                escape("whiteout through a symlink", o -> new Tars().symlink("l", o.toString()).file("l/.wh.secret", "", 0644)),
                escape("opaque marker through a symlink", o -> new Tars().symlink("l", o.toString()).file("l/.wh..wh..opq", "", 0644)),
                escape("file named as the root", o -> new Tars().file(".", "x", 0644)),
                escape("symlink named as the root", o -> new Tars().symlink("./", o.toString())),
                escape("hard link named as the root", o -> new Tars().file("f", "x", 0644).hardlink("./.", "f")),
                escape("forged overlay xattr", o -> new Tars().file("f", "x", 0644, e -> e.addPaxHeader("SCHILY.xattr.trusted.overlay.redirect", "/outside"))));
    }

    private static Arguments escape(String name, Function<Path, Tars> layer) {
        return Arguments.of(name, layer);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("escapes")
    void isRefusedAndTouchesNothingOutside(String name, Function<Path, Tars> layer) throws Exception {
        Map<String, String> before = outsideState();
        byte[] tar = layer.apply(outside).tar();
        assertThatThrownBy(() -> LayerUnpacker.unpack(new ByteArrayInputStream(tar), root, null, "evil layer"))
                .isInstanceOf(UnsafeLayerException.class)
                .hasMessageContaining("evil layer").hasMessageContaining("refused");
        assertThat(outsideState()).isEqualTo(before);
        assertThat(root).as("the root itself is still a plain directory").isDirectory();
        assertThat(Files.isSymbolicLink(root)).isFalse();
    }

    /** Every path under the temp directory but outside the root, with its type and content. */
    private Map<String, String> outsideState() throws IOException {
        Map<String, String> state = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (p.startsWith(root) && !p.equals(root)) {
                    continue;
                }
                String what = Files.isSymbolicLink(p) ? "link:" + Files.readSymbolicLink(p)
                        : Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "dir"
                        : Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? "file:" + Files.readString(p)
                        + ":" + Files.getAttribute(p, "unix:nlink") : "special";
                state.put(dir.relativize(p).toString(), what);
            }
        }
        return state;
    }
}
