package io.berth.ops.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.protocol.oci.runtime.RuntimeSpec;
import io.berth.protocol.oci.runtime.RuntimeSpecs;
import io.berth.runtime.bundle.BusyboxBundle;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The benchmark's bundle: busybox-static, /bin/true, five namespaces and a 64 MiB memory limit. */
final class BenchBundle {
    private BenchBundle() {}

    static Path busyboxTrue(Path bundle) throws IOException {
        ObjectNode config = (ObjectNode) RuntimeSpecs.JSON.valueToTree(BusyboxBundle.defaultSpec(List.of("/bin/true")));
        // crun 1.8 (Debian 12) refuses runtime-spec versions newer than it knows; all four runners accept 1.0.2.
        config.put("ociVersion", "1.0.2");
        ObjectNode linux = (ObjectNode) config.get("linux");
        ArrayNode namespaces = linux.putArray("namespaces");
        for (String ns : List.of("pid", "mount", "ipc", "uts", "network")) {
            namespaces.addObject().put("type", ns);
        }
        linux.withObject("/resources").putObject("memory").put("limit", 64L << 20);
        return BusyboxBundle.create(bundle, RuntimeSpecs.JSON.treeToValue(config, RuntimeSpec.class));
    }
}
