package io.berth.storage.image;

import io.berth.protocol.oci.image.Platform;
import io.berth.storage.content.CrashChild;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** An unpack SIGKILLed halfway leaves no partial snapshot; the next one unpacks the whole layer. */
class UnpackCrashTest {

    @TempDir
    Path dir;

    @Test
    void unpackKilledHalfwayLeavesNoPartialSnapshot() throws Exception {
        Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
        for (int d = 0; d < 20; d++) {
            Path sub = Files.createDirectories(rootfs.resolve("d" + d));
            for (int f = 0; f < 50; f++) {
                Files.writeString(sub.resolve("f" + f), ("file " + d + "/" + f + "\n").repeat(200));
            }
        }
        Path root = dir.resolve("store");
        ImageStoreOptions options = ImageStoreOptions.defaults().withPlatform(Platform.current());
        try (LocalImageStore store = LocalImageStore.open(root, options)) {
            store.createImage("example.com/many:1", rootfs, null);
        }
        Process child = CrashChild.start("unpack", root.toString(), "example.com/many:1");
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
        assertThat(out.readLine()).isEqualTo("OPEN");
        Path snapshots = root.resolve("snapshots");
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!partialSnapshotHasFiles(snapshots)) {
            assertThat(System.nanoTime()).as("the child started unpacking").isLessThan(deadline);
            Thread.sleep(2);
        }
        child.destroyForcibly(); // SIGKILL
        assertThat(child.waitFor()).isEqualTo(137);
        assertThat(partialSnapshotHasFiles(snapshots)).as("the kill left a partial snapshot to clean").isTrue();

        try (LocalImageStore store = LocalImageStore.open(root, options)) {
            assertThat(store.snapshots()).isEmpty();
            try (Stream<Path> s = Files.list(snapshots)) {
                assertThat(s).as("the partial snapshot is gone").isEmpty();
            }
            Snapshot snapshot = store.ensureSnapshots("example.com/many:1").get(0);
            try (Stream<Path> files = Files.walk(snapshot.dir())) {
                assertThat(files.filter(Files::isRegularFile).count()).isEqualTo(1000);
            }
        }
    }

    private static boolean partialSnapshotHasFiles(Path snapshots) throws Exception {
        try (Stream<Path> s = Files.list(snapshots)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith("tmp-") && Files.exists(p.resolve("d0")));
        }
    }
}
