package io.berth.storage.content;

import io.berth.protocol.oci.image.Digest;

import java.io.IOException;
import java.util.List;

/** Lists committed blobs and records their use, for listings, garbage collection and eviction. Thread-safe. */
public interface BlobIndex {

    /** Every committed blob, ordered by digest. */
    List<BlobInfo> list() throws IOException;

    /** Marks the blob as used now (LRU eviction keeps recently used content). Does nothing when absent. */
    void touch(Digest digest) throws IOException;

    /** The total size of committed blobs, in bytes. */
    long totalSize() throws IOException;
}
