package io.berth.storage.content;

import io.berth.protocol.oci.image.Descriptor;
import io.berth.protocol.oci.image.Digest;
import io.berth.protocol.oci.image.MediaTypes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The behaviour every {@link ContentStore} must have; subclasses say how to open one. */
public abstract class ContentStoreContract {

    protected static final Duration WAIT = Duration.ofSeconds(5);
    protected ContentStore store;

    protected abstract ContentStore openStore() throws Exception;

    protected abstract void closeStore() throws Exception;

    @BeforeEach
    void open() throws Exception {
        store = openStore();
    }

    @AfterEach
    void close() throws Exception {
        closeStore();
    }

    protected static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    protected static Descriptor layer(byte[] data) {
        return Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(data), data.length);
    }

    @Test
    void commitsVerifiedBlobAndReadsItFromAnOffset() throws Exception {
        byte[] data = random(300_000, 1);
        Descriptor d = layer(data);
        try (BlobWriter w = store.writer("pull-" + d.digest(), d, WAIT)) {
            assertThat(w.offset()).isZero();
            w.write(data, 0, data.length);
            BlobInfo info = w.commit(data.length, d.digest());
            assertThat(info.digest()).isEqualTo(d.digest());
            assertThat(info.size()).isEqualTo(data.length);
            assertThat(info.mediaType()).isEqualTo(MediaTypes.OCI_LAYER_GZIP);
        }
        assertThat(store.exists(d.digest())).isTrue();
        try (InputStream in = store.open(d.digest(), 1000)) {
            byte[] tail = in.readAllBytes();
            assertThat(tail).hasSize(data.length - 1000);
            assertThat(tail[0]).isEqualTo(data[1000]);
        }
        assertThat(store.list()).extracting(BlobInfo::digest).containsExactly(d.digest());
        assertThat(store.totalSize()).isEqualTo(data.length);
        assertThat(store.ingests()).isEmpty();
    }

    @Test
    void blobIsInvisibleBeforeCommit() throws Exception {
        byte[] data = random(1000, 2);
        Descriptor d = layer(data);
        try (BlobWriter w = store.writer("pull-x", d, WAIT)) {
            w.write(data, 0, data.length);
            assertThat(store.exists(d.digest())).isFalse();
            assertThatThrownBy(() -> store.open(d.digest(), 0)).isInstanceOf(BlobNotFoundException.class)
                    .hasMessageContaining(d.digest().toString());
        }
        assertThat(store.exists(d.digest())).isFalse();
    }

    @Test
    void wrongDigestIsRefusedAndTheIngestDeleted() throws Exception {
        byte[] data = random(5000, 3);
        Descriptor claimed = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(random(5000, 4)), data.length);
        BlobWriter w = store.writer("pull-bad", claimed, WAIT);
        w.write(data, 0, data.length);
        assertThatThrownBy(() -> w.commit(data.length, claimed.digest()))
                .isInstanceOfSatisfying(BlobVerificationException.class, e -> {
                    assertThat(e.kind()).isEqualTo(BlobVerificationException.Kind.DIGEST);
                    assertThat(e.expected()).isEqualTo(claimed.digest().toString());
                    assertThat(e.actual()).isEqualTo(Digest.sha256(data).toString());
                });
        assertThat(w.isOpen()).as("commit closes the writer even on failure").isFalse();
        assertThat(store.ingests()).isEmpty();
        assertThat(store.list()).isEmpty();
        // and the lock is released: the same ref can be opened again right away
        store.writer("pull-bad", claimed, Duration.ZERO).abort();
    }

    @Test
    void truncatedOrOversizedBodyIsASizeMismatch() throws Exception {
        byte[] data = random(5000, 5);
        Descriptor d = layer(data);
        BlobWriter w = store.writer("pull-short", d, WAIT);
        w.write(data, 0, 4000);
        assertThatThrownBy(() -> w.commit(data.length, d.digest()))
                .isInstanceOfSatisfying(BlobVerificationException.class, e -> {
                    assertThat(e.kind()).isEqualTo(BlobVerificationException.Kind.SIZE);
                    assertThat(e.getMessage()).contains("expected 5000 bytes, got 4000 bytes");
                });
        assertThat(store.ingests()).isEmpty();
        assertThat(store.exists(d.digest())).isFalse();
    }

    @Test
    void interruptedIngestResumesFromItsOffset() throws Exception {
        byte[] data = random(100_000, 6);
        Descriptor d = layer(data);
        try (BlobWriter w = store.writer("pull-resume", d, WAIT)) {
            w.write(data, 0, 40_000);
        }
        assertThat(store.ingests()).singleElement().satisfies(s -> {
            assertThat(s.ref()).isEqualTo("pull-resume");
            assertThat(s.offset()).isEqualTo(40_000);
            assertThat(s.open()).isFalse();
        });
        try (BlobWriter w = store.writer("pull-resume", d, WAIT)) {
            assertThat(w.offset()).isEqualTo(40_000);
            w.write(data, 40_000, data.length - 40_000);
            w.commit(data.length, d.digest());
        }
        try (InputStream in = store.open(d.digest(), 0)) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
    }

    @Test
    void truncateRestartsTheRunningDigest() throws Exception {
        byte[] data = random(10_000, 7);
        Descriptor d = layer(data);
        try (BlobWriter w = store.writer("pull-t", d, WAIT)) {
            w.write(random(3000, 8), 0, 3000);
            w.truncate(0);
            w.write(data, 0, data.length);
            assertThat(w.commit(-1, null).digest()).isEqualTo(d.digest());
        }
    }

    @Test
    void secondWriterOfTheSameDigestWaitsThenFindsItCommitted() throws Exception {
        byte[] data = random(50_000, 9);
        Descriptor d = layer(data);
        BlobWriter first = store.writer("pull-a", d, WAIT);
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Throwable> second = CompletableFuture.supplyAsync(() -> {
            started.countDown();
            try (BlobWriter w = store.writer("pull-b", d, WAIT)) {
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        started.await();
        Thread.sleep(200);
        assertThat(second).as("the second writer waits while the first holds the digest").isNotDone();
        first.write(data, 0, data.length);
        first.commit(data.length, d.digest());
        assertThat(second.get(5, TimeUnit.SECONDS)).isInstanceOf(BlobExistsException.class);
    }

    @Test
    void secondWriterGivesUpAfterItsWait() throws Exception {
        Descriptor d = layer(random(10, 10));
        try (BlobWriter first = store.writer("pull-a", d, WAIT)) {
            assertThatThrownBy(() -> store.writer("pull-other", d, Duration.ofMillis(100)))
                    .isInstanceOf(StoreException.class).hasMessageContaining("held by another writer");
        }
    }

    @Test
    void writingExistingContentThrowsExists() throws Exception {
        byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
        Descriptor d = layer(data);
        try (BlobWriter w = store.writer("a", d, WAIT)) {
            w.write(data, 0, data.length);
            w.commit(data.length, d.digest());
        }
        assertThatThrownBy(() -> store.writer("b", d, WAIT)).isInstanceOfSatisfying(BlobExistsException.class,
                e -> assertThat(e.digest()).isEqualTo(d.digest()));
    }

    @Test
    void deleteRemovesTheBlob() throws Exception {
        byte[] data = random(100, 11);
        Descriptor d = layer(data);
        try (BlobWriter w = store.writer("a", d, WAIT)) {
            w.write(data, 0, data.length);
            w.commit(-1, null);
        }
        assertThat(store.delete(d.digest())).isTrue();
        assertThat(store.delete(d.digest())).isFalse();
        assertThat(store.exists(d.digest())).isFalse();
        assertThatThrownBy(() -> store.open(d.digest(), 0)).isInstanceOf(BlobNotFoundException.class);
    }

    @Test
    void badRefIsRefusedNamingIt() {
        assertThatThrownBy(() -> store.writer("pull x;rm", null, WAIT)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'pull x;rm'");
        assertThatThrownBy(() -> store.writer("", null, WAIT)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void leasesHoldContentUntilReleased() throws Exception {
        Digest d = Digest.sha256(new byte[]{1});
        try (Lease lease = store.leases().acquire("pull-x", Duration.ofMinutes(5))) {
            lease.addBlob(d);
            assertThat(store.leases().active()).extracting(Lease::id).containsExactly("pull-x");
            assertThat(lease.blobs()).containsExactly(d);
        }
        assertThat(store.leases().active()).isEmpty();
    }
}
