package io.berth.ops.image;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.protocol.oci.image.Descriptor;
import io.berth.storage.image.Image;
import io.berth.storage.image.LocalImageStore;
import io.berth.storage.image.ResolvedImage;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code berth image ls}: the images in the store. */
@Command(name = "ls", aliases = "list", description = "List the images in the local store.")
final class ListCommand extends ImageSubcommand {

    @Option(names = "--json", description = "Print a JSON array of {name, digest, mediaType, size, created, lastUsed}.")
    boolean json;

    @Override
    int run(LocalImageStore store) throws IOException {
        List<Image> images = store.list();
        if (json) {
            ArrayNode array = JSON.createArrayNode();
            for (Image image : images) {
                ObjectNode o = array.addObject();
                o.put("name", image.name());
                o.put("digest", image.target().digest().toString());
                o.put("mediaType", image.target().mediaType());
                o.put("size", size(store, image));
                o.put("created", image.created().toString());
                o.put("lastUsed", image.lastUsed().toString());
            }
            out().println(JSON.writeValueAsString(array));
            return 0;
        }
        out().printf(Locale.ROOT, "%-60s %-14s %10s  %s%n", "NAME", "DIGEST", "SIZE", "CREATED");
        for (Image image : images) {
            out().printf(Locale.ROOT, "%-60s %-14s %10s  %s%n", image.name(), image.target().digest().shortHex(),
                    ProgressDisplay.bytes(size(store, image)), image.created());
        }
        return 0;
    }

    /** The bytes of the manifest, config and layers for the store's platform (the index too, if any). */
    static long size(LocalImageStore store, Image image) throws IOException {
        ResolvedImage resolved = store.resolve(image.name());
        long size = resolved.manifestDescriptor().size() + resolved.manifest().config().size();
        for (Descriptor layer : resolved.manifest().layers()) {
            size += layer.size();
        }
        if (!resolved.manifestDescriptor().digest().equals(image.target().digest())) {
            size += image.target().size();
        }
        return size;
    }
}
