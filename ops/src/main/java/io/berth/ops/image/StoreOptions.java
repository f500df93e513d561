package io.berth.ops.image;

import io.berth.protocol.oci.image.Platform;
import io.berth.storage.image.ImageStoreOptions;
import io.berth.storage.image.LocalImageStore;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the image store is, and for which platform images are resolved: options shared by every image command. */
final class StoreOptions {

    /** The store of this machine's agent, unless {@code BERTH_IMAGE_STORE} or {@code --store} says otherwise. */
    static final String DEFAULT_STORE = "/var/lib/berth/images";

    @Option(names = "--store", paramLabel = "DIR",
            description = "The image store directory (default: $BERTH_IMAGE_STORE, else " + DEFAULT_STORE + ").")
    Path store;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
            description = "The platform to pick from multi-platform images (default: this machine's).")
    String platform;

    LocalImageStore open() throws IOException {
        Path dir = store;
        if (dir == null) {
            String env = System.getenv("BERTH_IMAGE_STORE");
            dir = Path.of(env != null && !env.isEmpty() ? env : DEFAULT_STORE);
        }
        ImageStoreOptions options = ImageStoreOptions.defaults();
        if (platform != null) {
            options = options.withPlatform(Platform.parse(platform));
        }
        return LocalImageStore.open(dir, options);
    }
}
