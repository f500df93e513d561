package io.berth.ops.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.protocol.oci.runtime.RuntimeSpecs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The benchmark's bundle: busybox-static, /bin/true, five namespaces and a 64 MiB memory limit. */
final class BenchBundle {
    private BenchBundle() {}

    static Path busyboxTrue(Path bundle) throws IOException {
        Path busybox = Path.of("/bin/busybox");
        if (!Files.isExecutable(busybox)) {
            throw new IllegalStateException("/bin/busybox is missing: run ops/setup-host (it installs busybox-static)");
        }
        Path bin = Files.createDirectories(bundle.resolve("rootfs/bin"));
        Files.copy(busybox, bin.resolve("busybox"));
        Files.createSymbolicLink(bin.resolve("true"), Path.of("busybox"));
        for (String d : List.of("proc", "sys", "dev", "tmp")) {
            Files.createDirectories(bundle.resolve("rootfs").resolve(d));
        }
        ObjectNode config = (ObjectNode) RuntimeSpecs.JSON.valueToTree(RuntimeSpecs.defaultSpec());
        ObjectNode process = (ObjectNode) config.get("process");
        process.put("terminal", false);
        process.putArray("args").add("/bin/true");
        ObjectNode linux = (ObjectNode) config.get("linux");
        ArrayNode namespaces = linux.putArray("namespaces");
        for (String ns : List.of("pid", "mount", "ipc", "uts", "network")) {
            namespaces.addObject().put("type", ns);
        }
        linux.withObject("/resources").putObject("memory").put("limit", 64L << 20);
        Files.write(bundle.resolve("config.json"), RuntimeSpecs.JSON.writeValueAsBytes(config));
        return bundle;
    }
}
