package io.berth.storage.content;

import io.berth.protocol.oci.image.Descriptor;
import io.berth.protocol.oci.image.Digest;
import io.berth.protocol.oci.image.MediaTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** A store written by a JVM that is SIGKILLed mid-way reopens consistent. */
class CrashConsistencyTest {

    @TempDir
    Path dir;

    @Test
    void ingestKilledHalfwayIsNotServedAndResumes() throws Exception {
        Path root = dir.resolve("store");
        Process child = CrashChild.start("ingest", root.toString());
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
        assertThat(out.readLine()).isEqualTo("HALF");
        Thread.sleep(300);
        child.destroyForcibly(); // SIGKILL
        assertThat(child.waitFor()).isEqualTo(137);

        byte[] data = CrashChild.blob(42, 4 << 20);
        Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(data), data.length);
        try (ContentStore store = LocalContentStore.open(root)) {
            assertThat(store.exists(d.digest())).as("a partial blob is never served").isFalse();
            assertThat(store.list()).isEmpty();
            IngestStatus status = store.ingests().get(0);
            assertThat(status.ref()).isEqualTo("pull-" + d.digest());
            assertThat(status.offset()).isBetween((long) data.length / 2, (long) data.length - 1);
            try (BlobWriter w = store.writer("pull-" + d.digest(), d, Duration.ofSeconds(5))) {
                long offset = w.offset();
                assertThat(offset).isEqualTo(status.offset());
                w.write(data, (int) offset, data.length - (int) offset);
                w.commit(data.length, d.digest());
            }
            try (InputStream in = store.open(d.digest(), 0)) {
                assertThat(Digest.sha256(in.readAllBytes())).isEqualTo(d.digest());
            }
        }
    }

    @Test
    void commitsKilledAtARandomMomentLeaveOnlyWholeVerifiedBlobs() throws Exception {
        Path root = dir.resolve("store");
        Process child = CrashChild.start("commits", root.toString());
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
        for (int i = 0; i < 15; i++) {
            assertThat(out.readLine()).isEqualTo("COMMITTED " + i);
        }
        child.destroyForcibly();
        assertThat(child.waitFor()).isEqualTo(137);

        try (ContentStore store = LocalContentStore.open(root)) {
            Set<String> indexed = store.list().stream().map(b -> b.digest().hex()).collect(Collectors.toSet());
            assertThat(indexed.size()).isGreaterThanOrEqualTo(15);
            for (BlobInfo b : store.list()) {
                try (InputStream in = store.open(b.digest(), 0)) {
                    assertThat(Digest.sha256(in.readAllBytes())).as("blob %s is whole", b.digest()).isEqualTo(b.digest());
                }
            }
            try (Stream<Path> files = Files.list(root.resolve("blobs/sha256"))) {
                assertThat(files.map(p -> p.getFileName().toString()).collect(Collectors.toSet()))
                        .as("no orphan file, no dangling entry").isEqualTo(indexed);
            }
            for (IngestStatus s : store.ingests()) {
                assertThat(s.offset()).isLessThanOrEqualTo(256 << 10);
            }
        }
    }
}
