package io.berth.scheduler.placement;

import io.berth.storage.registry.ImagePuller;
import io.berth.storage.registry.ImageReference;

/**
 * How the engine names a task's image to find it among those a node holds ({@link Node#images}, which agents fill
 * with the names their image store uses and the images' digests). Pure functions; thread-safe.
 */
final class ImageKeys {
    private ImageKeys() {}

    /**
     * The key of an image reference: its digest when the reference pins one (the name of a pinned image may point
     * at another digest on a node), else the name the image store keeps it under ({@code busybox:1.36} becomes
     * {@code docker.io/library/busybox:1.36}, as {@link ImagePuller#storeName} names it). A reference the store
     * could not parse is kept as written: no node holds it, and the pull will say why.
     */
    static String of(String reference) {
        ImageReference ref;
        try {
            ref = ImageReference.parse(reference);
        } catch (IllegalArgumentException e) {
            return reference;
        }
        return ref.digest() != null ? ref.digest().toString() : ImagePuller.storeName(ref);
    }
}
