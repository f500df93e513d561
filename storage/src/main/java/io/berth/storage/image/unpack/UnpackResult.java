package io.berth.storage.image.unpack;

import io.berth.protocol.oci.image.Digest;

/**
 * What unpacking a layer produced.
 *
 * @param diffId  the sha256 of the uncompressed tar (verified against the expected one)
 * @param size    the bytes of regular file content written
 * @param entries the tar entries applied
 */
public record UnpackResult(Digest diffId, long size, int entries) {
}
