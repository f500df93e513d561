package io.berth.storage.content;

import io.berth.protocol.oci.image.Digest;

import java.time.Instant;

/**
 * An ingest on disk.
 *
 * @param ref       its key
 * @param expected  the expected digest, or null when none was given
 * @param offset    the bytes written so far
 * @param updatedAt the last write
 * @param open      whether a writer currently holds it
 */
public record IngestStatus(String ref, Digest expected, long offset, Instant updatedAt, boolean open) {
}
