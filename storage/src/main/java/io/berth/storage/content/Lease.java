package io.berth.storage.content;

import io.berth.protocol.oci.image.Digest;

import java.io.IOException;
import java.time.Instant;
import java.util.Set;

/**
 * A named hold on content: garbage collection keeps every blob and snapshot a live lease lists, until the
 * lease is released or expires. A pull holds one from its first blob until the image reference is stored.
 * Leases are persisted, so they survive a restart until they expire.
 */
public interface Lease extends AutoCloseable {

    String id();

    Instant expiresAt();

    /** Holds a blob (committed or still being ingested). */
    void addBlob(Digest digest) throws IOException;

    /** Holds a snapshot by its chainID. */
    void addSnapshot(Digest chainId) throws IOException;

    Set<Digest> blobs() throws IOException;

    Set<Digest> snapshots() throws IOException;

    /** Releases the lease; its content becomes collectable unless something else holds it. Idempotent. */
    @Override
    void close() throws IOException;
}
