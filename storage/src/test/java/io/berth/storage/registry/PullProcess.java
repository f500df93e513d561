package io.berth.storage.registry;

import io.berth.storage.image.ImageStoreOptions;
import io.berth.storage.image.LocalImageStore;
import java.nio.file.Path;

/** A pull in a process of its own, for the test that kills it halfway: {@code PullProcess <store> <reference>}. */
public final class PullProcess {

    private PullProcess() {
    }

    public static void main(String[] args) throws Exception {
        try (LocalImageStore store = LocalImageStore.open(Path.of(args[0]), ImageStoreOptions.defaults())) {
            new ImagePuller(RegistryClient.builder().build(), store, 2, RetryPolicy.DEFAULT)
                    .pull(ImageReference.parse(args[1]), TransferListener.NONE);
        }
        System.out.println("pulled");
    }
}
