package io.berth.protocol.oci.image;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An OCI image index ({@link MediaTypes#OCI_INDEX}) or a Docker manifest list
 * ({@link MediaTypes#DOCKER_MANIFEST_LIST}): manifests per platform. Also the {@code index.json} of an
 * oci-layout directory.
 *
 * @param schemaVersion must be 2
 * @param mediaType     optional in OCI, required by Docker
 * @param manifests     never null
 * @param annotations   never null
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ImageIndex(int schemaVersion, String mediaType, List<Descriptor> manifests, Map<String, String> annotations) {

    public ImageIndex {
        manifests = manifests == null ? List.of() : List.copyOf(manifests);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    /**
     * Checks the schema version and every entry.
     *
     * @throws IllegalArgumentException naming the JSON path of the bad field
     */
    public ImageIndex validate() {
        if (schemaVersion != 2) {
            throw new IllegalArgumentException("index.schemaVersion: " + schemaVersion + " is not supported (expected 2)");
        }
        if (mediaType != null && !MediaTypes.isIndex(mediaType)) {
            throw new IllegalArgumentException("index.mediaType: '" + mediaType + "' is not an image index");
        }
        for (int i = 0; i < manifests.size(); i++) {
            manifests.get(i).validate("index.manifests[" + i + "]");
        }
        return this;
    }

    /**
     * The manifest (or nested index) to run on {@code platform}: among the entries whose platform
     * {@link Platform#matches matches}, the closest variant; entries without a platform are not chosen.
     */
    public Optional<Descriptor> select(Platform platform) {
        return manifests.stream()
                .filter(d -> d.platform() != null && platform.matches(d.platform()))
                .max(Comparator.comparingInt(d -> platform.preference(d.platform())));
    }
}
