package io.berth.storage.content;

import io.berth.protocol.oci.image.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * Reads committed blobs. Only verified content is ever visible here: an ingest in progress or a failed one
 * is not. Implementations are thread-safe.
 */
public interface BlobReader {

    /**
     * The info of a committed blob, or empty when the store has none with this digest.
     *
     * @param digest not null
     */
    Optional<BlobInfo> info(Digest digest) throws IOException;

    /** Whether a blob with this digest is committed. */
    default boolean exists(Digest digest) throws IOException {
        return info(digest).isPresent();
    }

    /**
     * Opens a committed blob for reading from {@code offset} (0 for the start). The caller closes the stream.
     * A blob deleted while open stays readable through the open stream.
     *
     * @throws BlobNotFoundException when no blob with this digest is committed
     * @throws IllegalArgumentException when {@code offset} is negative or past the end
     */
    InputStream open(Digest digest, long offset) throws IOException;

    /**
     * Reads a small blob (a manifest, index or config) whole.
     *
     * @param maxSize refuse blobs larger than this, so a hostile document cannot exhaust memory
     * @throws BlobNotFoundException when absent
     * @throws StoreException when the blob is larger than {@code maxSize}
     */
    byte[] readAll(Digest digest, long maxSize) throws IOException;
}
