package io.berth.storage.image;

import io.berth.protocol.oci.image.Descriptor;
import io.berth.protocol.oci.image.Digest;
import io.berth.protocol.oci.image.ImageConfig;
import io.berth.protocol.oci.image.Manifest;

import java.util.List;

/**
 * An image resolved for one platform: the manifest chosen (from an index if the name points to one), its
 * config, and the chainIDs of its layers.
 *
 * @param image              the stored image
 * @param manifestDescriptor the chosen manifest
 * @param manifest           parsed and validated
 * @param config             parsed and validated
 * @param chainIds           one per layer, base first (the snapshot keys)
 */
public record ResolvedImage(Image image, Descriptor manifestDescriptor, Manifest manifest, ImageConfig config,
                            List<Digest> chainIds) {
}
