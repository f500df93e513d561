package io.berth.storage.image;

import io.berth.protocol.oci.image.Descriptor;
import io.berth.protocol.oci.image.Digest;
import io.berth.protocol.oci.image.ImageConfig;
import io.berth.protocol.oci.image.ImageIndex;
import io.berth.protocol.oci.image.Manifest;
import io.berth.protocol.oci.image.MediaTypes;
import io.berth.protocol.oci.image.OciJson;
import io.berth.protocol.oci.image.Platform;
import io.berth.storage.content.BlobExistsException;
import io.berth.storage.content.BlobWriter;
import io.berth.storage.content.ContentStore;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Writes images into a store blob by blob, as a registry pull would. */
public final class TestImages {

    private TestImages() {
    }

    public static Descriptor put(ContentStore content, byte[] data, String mediaType) throws IOException {
        Descriptor d = Descriptor.of(mediaType, Digest.sha256(data), data.length);
        try (BlobWriter w = content.writer("pull-" + d.digest(), d, Duration.ofSeconds(10))) {
            w.write(data, 0, data.length);
            w.commit(data.length, d.digest());
        } catch (BlobExistsException e) {
            // shared content
        }
        return d;
    }

    /** Config for these layer tars on this platform. */
    public static byte[] config(List<byte[]> tars, Platform platform) {
        List<Digest> diffIds = tars.stream().map(Tars::diffId).toList();
        return OciJson.write(new ImageConfig(null, null, platform.architecture(), platform.os(), platform.variant(),
                new ImageConfig.ExecConfig(null, null, List.of("PATH=/bin"), null, List.of("/bin/sh"), null, null, null, null),
                new ImageConfig.RootFs("layers", diffIds), List.of()));
    }

    /** Stores the layers (gzip), config and an OCI manifest; returns the manifest descriptor. */
    public static Descriptor manifest(ContentStore content, List<byte[]> tars, Platform platform) throws IOException {
        List<Descriptor> layers = new ArrayList<>();
        for (byte[] tar : tars) {
            layers.add(put(content, Tars.gzip(tar), MediaTypes.OCI_LAYER_GZIP));
        }
        Descriptor config = put(content, config(tars, platform), MediaTypes.OCI_CONFIG);
        return put(content, OciJson.write(new Manifest(2, MediaTypes.OCI_MANIFEST, null, config, layers, null, Map.of())),
                MediaTypes.OCI_MANIFEST);
    }

    public static Descriptor index(ContentStore content, List<Descriptor> manifests, String mediaType) throws IOException {
        return put(content, OciJson.write(new ImageIndex(2, mediaType, manifests, Map.of())), mediaType);
    }
}
