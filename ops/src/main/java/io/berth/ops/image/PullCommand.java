package io.berth.ops.image;

import io.berth.storage.image.Image;
import io.berth.storage.image.LocalImageStore;
import io.berth.storage.registry.ImagePuller;
import io.berth.storage.registry.ImageReference;
import io.berth.storage.registry.RetryPolicy;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code berth image pull REF}: pulls an image (and unpacks its layers) with a progress line per layer. */
@Command(name = "pull", description = "Pull an image from its registry into the local store and unpack it.")
final class PullCommand extends ImageSubcommand {

    @Parameters(paramLabel = "REF", description = "The image, [registry/]repository[:tag][@digest], e.g. busybox:1.36.")
    String reference;

    @Mixin
    RegistryOptions registry;

    @Option(names = "--no-unpack", description = "Only download; unpack when a container first needs the image.")
    boolean noUnpack;

    @Option(names = "--concurrency", paramLabel = "N", description = "Layers downloaded at once (default: ${DEFAULT-VALUE}).")
    int concurrency = ImagePuller.DEFAULT_CONCURRENCY;

    @Option(names = {"-q", "--quiet"}, description = "No progress display; print only the digest.")
    boolean quiet;

    @Override
    int run(LocalImageStore store) throws IOException {
        ImageReference ref = ImageReference.parse(reference);
        ImagePuller puller = new ImagePuller(registry.client(ref.registry()), store, concurrency, RetryPolicy.DEFAULT);
        Image image;
        try (ProgressDisplay progress = new ProgressDisplay(err(), "downloading", System.console() != null)) {
            image = puller.pull(ref, quiet ? io.berth.storage.registry.TransferListener.NONE : progress);
        }
        if (!noUnpack) {
            store.ensureSnapshots(image.name());
        }
        out().println(quiet ? image.target().digest().toString() : "pulled " + image.name() + " (" + image.target().digest() + ")");
        return 0;
    }
}
