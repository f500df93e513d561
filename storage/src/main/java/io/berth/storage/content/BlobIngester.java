package io.berth.storage.content;

import io.berth.protocol.oci.image.Descriptor;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * Writes new blobs through ingests. Thread-safe.
 *
 * <p>Two writers of the same content share one download: {@link #writer} with an expected descriptor locks
 * both the ref and the expected digest; a second caller for the same digest (under any ref) waits until the
 * first writer is closed, then gets {@link BlobExistsException} if the first committed, or takes over the
 * ingest otherwise.
 */
public interface BlobIngester {

    /**
     * Opens (or resumes) the ingest keyed by {@code ref}.
     *
     * @param ref      a name for the ingest, 1–200 characters of {@code [A-Za-z0-9._:@+-]}, conventionally
     *                 {@code pull-<digest>}; the same ref resumes the same partial data
     * @param expected the content expected, or null when its digest is not known in advance (content created
     *                 locally); when given, its media type is recorded and {@link BlobWriter#commit}
     *                 checks its digest and size too
     * @param wait     how long to wait for another writer holding the same ref or digest
     * @throws BlobExistsException     when {@code expected} is already committed (no writer is opened)
     * @throws StoreException          when another writer still holds the ref or digest after {@code wait}
     * @throws IllegalArgumentException when {@code ref} is not valid
     */
    BlobWriter writer(String ref, Descriptor expected, Duration wait) throws IOException;

    /** The ingests on disk (open or interrupted), for status displays and cleanup. */
    List<IngestStatus> ingests() throws IOException;

    /**
     * Deletes an interrupted ingest. Does nothing when there is none.
     *
     * @throws StoreException when a writer currently holds it
     */
    void abort(String ref) throws IOException;
}
