package io.berth.storage.content;

import io.berth.protocol.oci.image.Descriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalContentStoreTest extends ContentStoreContract {

    @TempDir
    Path dir;

    @Override
    protected ContentStore openStore() throws Exception {
        return LocalContentStore.open(dir.resolve("store"));
    }

    @Override
    protected void closeStore() throws Exception {
        store.close();
    }

    @Test
    void blobsAreFilesNamedByDigestAndReadOnly() throws Exception {
        byte[] data = random(1000, 20);
        Descriptor d = layer(data);
        try (BlobWriter w = store.writer("a", d, WAIT)) {
            w.write(data, 0, data.length);
            w.commit(data.length, d.digest());
        }
        Path file = dir.resolve("store/blobs/sha256").resolve(d.digest().hex());
        assertThat(file).hasBinaryContent(data);
        assertThat(Files.getPosixFilePermissions(file)).extracting(Object::toString).containsOnly("OWNER_READ", "GROUP_READ", "OTHERS_READ");
    }

    @Test
    void secondOpenOfTheSameDirectoryIsRefused() {
        assertThatThrownBy(() -> LocalContentStore.open(dir.resolve("store"))).isInstanceOf(StoreException.class)
                .hasMessageContaining("in use by another process");
    }

    @Test
    void reopeningDropsDanglingEntriesAndOrphanFiles() throws Exception {
        byte[] a = random(100, 21);
        byte[] b = random(100, 22);
        for (byte[] data : new byte[][]{a, b}) {
            try (BlobWriter w = store.writer("x", layer(data), WAIT)) {
                w.write(data, 0, data.length);
                w.commit(-1, null);
            }
        }
        store.close();
        Path blobs = dir.resolve("store/blobs/sha256");
        Files.delete(blobs.resolve(layer(a).digest().hex()));               // entry without file
        Path orphan = blobs.resolve("0".repeat(64));
        Files.write(orphan, new byte[]{1, 2, 3});                            // file without entry
        store = openStore();
        assertThat(store.list()).extracting(BlobInfo::digest).containsExactly(layer(b).digest());
        try (Stream<Path> files = Files.list(blobs)) {
            assertThat(files).containsExactly(blobs.resolve(layer(b).digest().hex()));
        }
    }

    @Test
    void fullDiskLeavesNothingHalfWritten() throws Exception {
        store.close();
        try (Tmpfs tmpfs = Tmpfs.mount(dir.resolve("small"), "4m")) {
            try (ContentStore small = LocalContentStore.open(tmpfs.dir())) {
                byte[] data = random(8 << 20, 23);
                Descriptor d = layer(data);
                BlobWriter w = small.writer("pull-big", d, WAIT);
                assertThatThrownBy(() -> {
                    for (int off = 0; off < data.length; off += 65536) {
                        w.write(data, off, 65536);
                    }
                    w.commit(data.length, d.digest());
                }).isInstanceOf(StoreFullException.class).hasMessageContaining("no space left").hasMessageContaining("pull-big");
                assertThat(w.isOpen()).isFalse();
                assertThat(small.ingests()).isEmpty();
                assertThat(small.list()).isEmpty();
                try (Stream<Path> s = Files.list(tmpfs.dir().resolve("ingest"))) {
                    assertThat(s).isEmpty();
                }
                // the space is back: a small blob still fits
                byte[] smallData = random(1000, 24);
                try (BlobWriter w2 = small.writer("pull-small", layer(smallData), WAIT)) {
                    w2.write(smallData, 0, smallData.length);
                    w2.commit(smallData.length, layer(smallData).digest());
                }
            }
        }
        store = openStore();
    }
}
