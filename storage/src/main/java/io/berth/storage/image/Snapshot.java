package io.berth.storage.image;

import io.berth.protocol.oci.image.Digest;

import java.nio.file.Path;
import java.time.Instant;

/**
 * One unpacked layer: the directory holding that layer's changes (overlayfs conventions: a whiteout is a
 * 0/0 character device, an opaque directory has {@code trusted.overlay.opaque=y}), shared by every image
 * whose layer chain up to here is the same.
 *
 * @param chainId the key: the chainID of the layers up to and including this one
 * @param parent  the chainID of the layer below, or null for a base layer
 * @param dir     the directory to use as an overlay lowerdir
 * @param size    bytes on disk (approximate: regular file sizes)
 * @param created when it was unpacked
 */
public record Snapshot(Digest chainId, Digest parent, Path dir, long size, Instant created) {
}
