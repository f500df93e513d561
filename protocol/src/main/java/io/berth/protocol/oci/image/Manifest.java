package io.berth.protocol.oci.image;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * An image manifest, OCI ({@link MediaTypes#OCI_MANIFEST}) or Docker schema 2 ({@link MediaTypes#DOCKER_MANIFEST});
 * the two share this shape.
 *
 * @param schemaVersion must be 2
 * @param mediaType     optional in OCI (the descriptor pointing here carries it), required by Docker
 * @param artifactType  optional (image-spec 1.1)
 * @param config        required: the image configuration
 * @param layers        the filesystem layers, base first; never null
 * @param subject       optional (image-spec 1.1 referrers)
 * @param annotations   never null
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Manifest(int schemaVersion, String mediaType, String artifactType, Descriptor config,
                       List<Descriptor> layers, Descriptor subject, Map<String, String> annotations) {

    public Manifest {
        layers = layers == null ? List.of() : List.copyOf(layers);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    /**
     * Checks the schema version, the config and every layer descriptor.
     *
     * @throws IllegalArgumentException naming the JSON path of the bad field
     */
    public Manifest validate() {
        if (schemaVersion != 2) {
            throw new IllegalArgumentException("manifest.schemaVersion: " + schemaVersion + " is not supported (expected 2)");
        }
        if (mediaType != null && !MediaTypes.isManifest(mediaType)) {
            throw new IllegalArgumentException("manifest.mediaType: '" + mediaType + "' is not an image manifest");
        }
        if (config == null) {
            throw new IllegalArgumentException("manifest.config: missing");
        }
        config.validate("manifest.config");
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).validate("manifest.layers[" + i + "]");
        }
        return this;
    }
}
