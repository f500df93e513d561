package io.berth.ops.image;

import io.berth.protocol.oci.image.Descriptor;
import io.berth.storage.image.LocalImageStore;
import io.berth.storage.registry.ImagePusher;
import io.berth.storage.registry.ImageReference;
import io.berth.storage.registry.TransferListener;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code berth image push NAME [TARGET]}: pushes a local image, with a progress line per layer. */
@Command(name = "push", description = "Push a local image to a registry.")
final class PushCommand extends ImageSubcommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "The local image.")
    String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "TARGET", description = "Where to push it (default: NAME itself).")
    String target;

    @Mixin
    RegistryOptions registry;

    @Option(names = "--mount-from", paramLabel = "REPOSITORY",
            description = "Mount blobs from this repository of the target registry instead of uploading them.")
    String mountFrom;

    @Option(names = "--chunk-size", paramLabel = "BYTES",
            description = "Blobs larger than this are uploaded in chunks of this size (default: ${DEFAULT-VALUE}).")
    long chunkSize = ImagePusher.DEFAULT_CHUNK_SIZE;

    @Option(names = "--concurrency", paramLabel = "N", description = "Blobs uploaded at once (default: ${DEFAULT-VALUE}).")
    int concurrency = 4;

    @Option(names = {"-q", "--quiet"}, description = "No progress display; print only the digest.")
    boolean quiet;

    @Override
    int run(LocalImageStore store) throws IOException {
        String local = storeName(name);
        ImageReference ref = ImageReference.parse(target != null ? target : local);
        ImagePusher pusher = new ImagePusher(registry.client(ref.registry()), store, concurrency, chunkSize);
        Descriptor pushed;
        try (ProgressDisplay progress = new ProgressDisplay(err(), "uploading", System.console() != null)) {
            pushed = pusher.push(local, ref, mountFrom, quiet ? TransferListener.NONE : progress);
        }
        out().println(quiet ? pushed.digest().toString() : "pushed " + ref + " (" + pushed.digest() + ")");
        return 0;
    }
}
