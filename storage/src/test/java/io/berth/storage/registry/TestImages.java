package io.berth.storage.registry;

import static io.berth.storage.registry.DockerRegistry.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.protocol.oci.image.Digest;
import io.berth.protocol.oci.image.MediaTypes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Images made by other tools, as users meet them: OCI layouts written by {@code umoci} (from a busybox rootfs
 * plus the given files), recompressed and pushed to a registry by {@code skopeo}.
 */
final class TestImages {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TestImages() {
    }

    /**
     * Writes image {@code tag} into the OCI layout {@code layout} with {@code umoci}: one gzip layer holding
     * busybox as {@code /bin/busybox} and {@code /bin/sh}, plus {@code files} (path relative to the root, content).
     */
    static void umociImage(Path layout, String tag, String architecture, Map<String, byte[]> files, Path work) throws IOException {
        if (!Files.exists(layout.resolve("index.json"))) {
            run(List.of("umoci", "init", "--layout", layout.toString()));
        }
        String image = layout + ":" + tag;
        run(List.of("umoci", "new", "--image", image));
        Path bundle = work.resolve("bundle-" + tag);
        run(List.of("umoci", "unpack", "--image", image, bundle.toString()));
        Path rootfs = bundle.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
        Files.createSymbolicLink(rootfs.resolve("bin/sh"), Path.of("busybox"));
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            Path path = rootfs.resolve(file.getKey());
            Files.createDirectories(path.getParent());
            Files.write(path, file.getValue());
        }
        run(List.of("umoci", "repack", "--image", image, bundle.toString()));
        run(List.of("umoci", "config", "--image", image, "--os", "linux", "--architecture", architecture, "--config.cmd", "/bin/sh"));
    }

    /** {@code skopeo copy} between any two transports; {@code docker://} ones without TLS verification. */
    static void skopeoCopy(String source, String destination, String... options) throws IOException {
        List<String> command = new ArrayList<>(List.of("skopeo", "copy", "--quiet", "--src-tls-verify=false", "--dest-tls-verify=false"));
        command.addAll(List.of(options));
        command.add(source);
        command.add(destination);
        run(command);
    }

    /**
     * Adds to {@code layout} an index tagged {@code tag} over the manifests tagged {@code tags}, each with the
     * platform of its config, as {@code skopeo copy --all} expects a multi-platform image.
     */
    static void indexOf(Path layout, String tag, List<String> tags) throws IOException {
        ObjectNode layoutIndex = (ObjectNode) JSON.readTree(layout.resolve("index.json").toFile());
        ArrayNode entries = (ArrayNode) layoutIndex.get("manifests");
        ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", MediaTypes.OCI_INDEX);
        ArrayNode manifests = index.putArray("manifests");
        for (String t : tags) {
            JsonNode entry = null;
            for (JsonNode e : entries) {
                if (t.equals(e.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
                    entry = e;
                }
            }
            if (entry == null) {
                throw new IOException(layout + " has no tag " + t);
            }
            JsonNode manifest = JSON.readTree(blob(layout, entry.get("digest").asText()).toFile());
            JsonNode config = JSON.readTree(blob(layout, manifest.path("config").path("digest").asText()).toFile());
            ObjectNode child = manifests.addObject();
            child.put("mediaType", entry.get("mediaType").asText()).put("digest", entry.get("digest").asText()).put("size", entry.get("size").asLong());
            child.putObject("platform").put("architecture", config.get("architecture").asText()).put("os", config.get("os").asText());
        }
        byte[] bytes = JSON.writeValueAsBytes(index);
        Digest digest = Digest.sha256(bytes);
        Files.write(blob(layout, digest.toString()), bytes);
        ObjectNode entry = entries.addObject();
        entry.put("mediaType", MediaTypes.OCI_INDEX).put("digest", digest.toString()).put("size", bytes.length);
        entry.putObject("annotations").put("org.opencontainers.image.ref.name", tag);
        Files.write(layout.resolve("index.json"), JSON.writeValueAsBytes(layoutIndex));
    }

    static Path blob(Path layout, String digest) {
        String[] parts = digest.split(":");
        return layout.resolve("blobs").resolve(parts[0]).resolve(parts[1]);
    }
}
