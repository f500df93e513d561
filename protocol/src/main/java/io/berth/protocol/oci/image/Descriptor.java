package io.berth.protocol.oci.image;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * An OCI content descriptor: what a piece of content is, its digest and its size.
 *
 * @param mediaType    required
 * @param digest       required
 * @param size         required, in bytes, at least 0
 * @param urls         optional other locations (foreign layers); never null, may be empty
 * @param annotations  optional; never null, may be empty
 * @param platform     optional, only in an index
 * @param artifactType optional (image-spec 1.1)
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Descriptor(String mediaType, Digest digest, long size, List<String> urls,
                         Map<String, String> annotations, Platform platform, String artifactType) {

    /** Annotation naming the tag of a manifest in an oci-layout index. */
    public static final String REF_NAME = "org.opencontainers.image.ref.name";

    public Descriptor {
        urls = urls == null ? List.of() : List.copyOf(urls);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    public static Descriptor of(String mediaType, Digest digest, long size) {
        return new Descriptor(mediaType, digest, size, List.of(), Map.of(), null, null);
    }

    /**
     * Checks the required fields.
     *
     * @param where the JSON path of this descriptor, for the message, e.g. {@code manifest.layers[2]}
     * @throws IllegalArgumentException naming {@code where} and the field
     */
    public Descriptor validate(String where) {
        if (mediaType == null || mediaType.isBlank()) {
            throw new IllegalArgumentException(where + ".mediaType: missing");
        }
        if (digest == null) {
            throw new IllegalArgumentException(where + ".digest: missing");
        }
        if (size < 0) {
            throw new IllegalArgumentException(where + ".size: " + size + " is negative");
        }
        return this;
    }

    public Descriptor withAnnotations(Map<String, String> newAnnotations) {
        return new Descriptor(mediaType, digest, size, urls, newAnnotations, platform, artifactType);
    }

    public Descriptor withPlatform(Platform newPlatform) {
        return new Descriptor(mediaType, digest, size, urls, annotations, newPlatform, artifactType);
    }
}
