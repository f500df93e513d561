package io.berth.storage.image;

import io.berth.protocol.oci.image.Platform;

import java.time.Duration;

/**
 * Settings of an {@link ImageStore}.
 *
 * @param platform      the platform images are resolved for (normally {@link Platform#current()})
 * @param quotaBytes    when blobs plus snapshots exceed this, {@link ImageStore#prune} evicts unused images
 *                      least recently used first; {@code Long.MAX_VALUE} for no quota
 * @param staleIngest   interrupted ingests older than this are deleted by {@link ImageStore#prune}
 * @param maxDocument   the largest manifest, index or config accepted, in bytes
 */
public record ImageStoreOptions(Platform platform, long quotaBytes, Duration staleIngest, long maxDocument) {

    public ImageStoreOptions {
        platform = platform.normalize();
        if (quotaBytes <= 0) {
            throw new IllegalArgumentException("image store quota: " + quotaBytes + " bytes is not positive");
        }
    }

    /** The running platform, no quota, ingests kept a day, documents up to 4 MiB (what registries allow). */
    public static ImageStoreOptions defaults() {
        return new ImageStoreOptions(Platform.current(), Long.MAX_VALUE, Duration.ofDays(1), 4L << 20);
    }

    public ImageStoreOptions withPlatform(Platform p) {
        return new ImageStoreOptions(p, quotaBytes, staleIngest, maxDocument);
    }

    public ImageStoreOptions withQuota(long bytes) {
        return new ImageStoreOptions(platform, bytes, staleIngest, maxDocument);
    }
}
