package io.berth.protocol.oci.image;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/**
 * The image configuration ({@link MediaTypes#OCI_CONFIG} or {@link MediaTypes#DOCKER_CONFIG}): platform,
 * defaults for the process, and the rootfs diffIDs that unpacked layers are verified against. Fields Berth
 * does not use are ignored when reading.
 *
 * @param created      optional RFC 3339 time
 * @param author       optional
 * @param architecture required
 * @param os           required
 * @param variant      optional
 * @param config       optional process defaults
 * @param rootfs       required
 * @param history      optional; never null
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ImageConfig(String created, String author, String architecture, String os, String variant,
                          ExecConfig config, RootFs rootfs, List<History> history) {

    public ImageConfig {
        history = history == null ? List.of() : List.copyOf(history);
    }

    /**
     * Checks the fields the store depends on.
     *
     * @throws IllegalArgumentException naming the JSON path of the bad field
     */
    public ImageConfig validate() {
        if (architecture == null || architecture.isBlank()) {
            throw new IllegalArgumentException("config.architecture: missing");
        }
        if (os == null || os.isBlank()) {
            throw new IllegalArgumentException("config.os: missing");
        }
        if (rootfs == null) {
            throw new IllegalArgumentException("config.rootfs: missing");
        }
        if (!"layers".equals(rootfs.type())) {
            throw new IllegalArgumentException("config.rootfs.type: '" + rootfs.type() + "' is not supported (expected layers)");
        }
        return this;
    }

    /** The platform this image was built for. */
    public Platform platform() {
        return Platform.of(os, architecture, variant);
    }

    /** The defaults for the container process; any field may be null or empty. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ExecConfig(@JsonProperty("User") String user,
                             @JsonProperty("ExposedPorts") Map<String, Object> exposedPorts,
                             @JsonProperty("Env") List<String> env,
                             @JsonProperty("Entrypoint") List<String> entrypoint,
                             @JsonProperty("Cmd") List<String> cmd,
                             @JsonProperty("Volumes") Map<String, Object> volumes,
                             @JsonProperty("WorkingDir") String workingDir,
                             @JsonProperty("Labels") Map<String, String> labels,
                             @JsonProperty("StopSignal") String stopSignal) {
    }

    /**
     * @param type    always {@code layers}
     * @param diffIds the sha256 of each uncompressed layer tar, base first
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record RootFs(String type, @JsonProperty("diff_ids") List<Digest> diffIds) {
        public RootFs {
            diffIds = diffIds == null ? List.of() : List.copyOf(diffIds);
        }
    }

    /** One step of how the image was built; {@code emptyLayer} steps have no layer. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record History(String created, @JsonProperty("created_by") String createdBy, String author,
                          String comment, @JsonProperty("empty_layer") Boolean emptyLayer) {
    }
}
