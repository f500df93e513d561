package io.berth.agent;

import io.berth.protocol.job.NetworkMode;
import io.berth.protocol.job.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Network modes {@code none} and {@code host}, which need no plugins: a private namespace with only loopback,
 * or the node's own namespace with its {@code /etc/hosts} and {@code /etc/resolv.conf}. Bridge mode is CNI's
 * (see the {@code network} package); this one refuses it.
 */
public final class LocalNetwork implements NetworkSetup {

    @Override
    public Attachment attach(String allocationId, Task task, Map<String, Integer> hostPorts, Path dir) throws IOException {
        if (task.network() == NetworkMode.HOST) {
            return new Attachment(true, null, Map.of("/etc/hosts", Path.of("/etc/hosts"),
                    "/etc/resolv.conf", Path.of("/etc/resolv.conf")));
        }
        if (task.network() != NetworkMode.NONE) {
            throw new IllegalArgumentException("task.network: '" + task.network().name().toLowerCase()
                    + "' is not available on this agent (it runs without CNI); use 'none' or 'host'");
        }
        Path hosts = dir.resolve("hosts");
        Path hostname = dir.resolve("hostname");
        Files.writeString(hosts, "127.0.0.1\tlocalhost " + allocationId + "\n::1\tlocalhost ip6-localhost\n");
        Files.writeString(hostname, allocationId + "\n");
        return new Attachment(false, null, Map.of("/etc/hosts", hosts, "/etc/hostname", hostname));
    }

    @Override
    public void detach(String allocationId, Task task) {
        // nothing: the private namespace dies with the container, the files with the allocation's directory
    }
}
