package io.berth.storage.content;

/**
 * The content store of one directory: {@link BlobReader}, {@link BlobIngester}, {@link BlobIndex},
 * {@link BlobDeleter} and {@link Leases} over the same blobs. Opening it reconciles the index with the files
 * after a crash (no dangling entry, no orphan file, no partial blob served) and drops the leases an earlier
 * process left. Thread-safe; one process at a time per directory (a second open fails with {@link StoreException}).
 */
public interface ContentStore extends BlobReader, BlobIngester, BlobIndex, BlobDeleter, AutoCloseable {

    /** The leases that keep content from garbage collection while a pull or a container needs it. */
    Leases leases();

    /** Closes the index; open writers must be closed first. */
    @Override
    void close() throws java.io.IOException;
}
