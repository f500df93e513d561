package io.berth.agent;

import io.berth.storage.registry.ImagePuller;
import io.berth.storage.registry.ImageReference;
import io.berth.storage.registry.TransferListener;
import java.io.IOException;

/**
 * Brings an image that is not in the local store into it. Called from blocking-dispatcher threads, at most
 * once at a time per image name (the {@link ImageService} shares one fetch between all who wait for it).
 */
@FunctionalInterface
public interface ImageFetcher {

    /**
     * Fetches {@code name} (a normalised reference, as {@link ImageService} passes it) into the store.
     *
     * @throws IOException when it cannot; the message says why (not found, unauthorised, unreachable...)
     */
    void fetch(String name) throws IOException;

    /** For an agent without registry access: every image must already be in the store. */
    static ImageFetcher none() {
        return name -> {
            throw new IOException("image " + name + " is not in the local image store and this agent pulls from "
                    + "no registry; import it first (berth image import) or configure a registry");
        };
    }

    /** Pulls from the image's registry. */
    static ImageFetcher registry(ImagePuller puller) {
        return name -> puller.pull(ImageReference.parse(name), TransferListener.NONE);
    }

    /**
     * The name an image is stored under: {@code busybox} becomes {@code docker.io/library/busybox:latest}.
     *
     * @throws IllegalArgumentException naming the reference when it is malformed
     */
    static String normalise(String image) {
        return ImagePuller.storeName(ImageReference.parse(image));
    }
}
