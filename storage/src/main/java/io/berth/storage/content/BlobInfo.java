package io.berth.storage.content;

import io.berth.protocol.oci.image.Digest;

import java.time.Instant;

/**
 * What the index knows of a committed blob.
 *
 * @param digest    never null
 * @param size      in bytes
 * @param mediaType the media type given at ingest, or null when none was
 * @param created   when the blob was committed
 * @param lastUsed  when the blob was last committed, read through {@link BlobReader#open}, or referenced
 */
public record BlobInfo(Digest digest, long size, String mediaType, Instant created, Instant lastUsed) {
}
