package io.berth.ops.image;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.protocol.oci.image.Descriptor;
import io.berth.protocol.oci.image.OciJson;
import io.berth.storage.image.LocalImageStore;
import io.berth.storage.image.ResolvedImage;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code berth image inspect NAME}: an image as resolved for the store's platform. */
@Command(name = "inspect", description = "Show an image: digests, platform, config and layers.")
final class InspectCommand extends ImageSubcommand {

    @Parameters(paramLabel = "NAME", description = "The local image.")
    String name;

    @Option(names = "--json", description = "Print one JSON object (with the full image config).")
    boolean json;

    @Override
    int run(LocalImageStore store) throws IOException {
        ResolvedImage image = store.resolve(storeName(name));
        if (json) {
            ObjectNode o = JSON.createObjectNode();
            o.put("name", image.image().name());
            o.put("digest", image.image().target().digest().toString());
            o.put("mediaType", image.image().target().mediaType());
            o.put("manifestDigest", image.manifestDescriptor().digest().toString());
            o.put("platform", image.config().platform().toString());
            o.put("created", image.image().created().toString());
            o.put("lastUsed", image.image().lastUsed().toString());
            o.set("config", OciJson.mapper().valueToTree(image.config()));
            ArrayNode layers = o.putArray("layers");
            for (int i = 0; i < image.manifest().layers().size(); i++) {
                Descriptor layer = image.manifest().layers().get(i);
                layers.addObject().put("digest", layer.digest().toString()).put("mediaType", layer.mediaType())
                        .put("size", layer.size()).put("chainId", image.chainIds().get(i).toString());
            }
            out().println(JSON.writeValueAsString(o));
            return 0;
        }
        out().println("Name:      " + image.image().name());
        out().println("Digest:    " + image.image().target().digest() + " (" + image.image().target().mediaType() + ")");
        out().println("Manifest:  " + image.manifestDescriptor().digest());
        out().println("Platform:  " + image.config().platform());
        out().println("Size:      " + ProgressDisplay.bytes(ListCommand.size(store, image.image())));
        out().println("Layers:");
        for (Descriptor layer : image.manifest().layers()) {
            out().println("  " + layer.digest() + "  " + ProgressDisplay.bytes(layer.size()) + "  " + layer.mediaType());
        }
        var exec = image.config().config();
        if (exec != null && exec.entrypoint() != null) {
            out().println("Entrypoint: " + String.join(" ", exec.entrypoint()));
        }
        if (exec != null && exec.cmd() != null) {
            out().println("Cmd:       " + String.join(" ", exec.cmd()));
        }
        return 0;
    }

}
