package io.berth.storage.image;

import io.berth.protocol.oci.image.Descriptor;

import java.time.Instant;

/**
 * A named image in the store.
 *
 * @param name     the reference it is stored under, e.g. {@code docker.io/library/busybox:1.36}
 * @param target   the manifest or index the name points to
 * @param created  when the name was first stored
 * @param lastUsed when it was last stored, resolved for a container, or exported (LRU eviction order)
 */
public record Image(String name, Descriptor target, Instant created, Instant lastUsed) {
}
