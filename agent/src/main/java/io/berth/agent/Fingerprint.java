package io.berth.agent;

import io.berth.protocol.cluster.CborSerializable;
import io.berth.protocol.cluster.NodeInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a node offers, as the scheduler matches tasks against it.
 *
 * @param cgroupVersion 2 on a unified hierarchy, 1 on a legacy or hybrid one (where the agent uses v1)
 * @param labels        the operator's labels from the agent's config
 */
public record Fingerprint(int cores, long memoryBytes, long diskBytes, long diskFreeBytes, String kernel,
                          int cgroupVersion, String os, String arch, Map<String, String> labels)
        implements CborSerializable {

    /** Reads the machine: /proc/meminfo, the file system of {@code dataDir}, /sys/fs/cgroup. */
    static Fingerprint probe(Path dataDir, Map<String, String> labels) throws IOException {
        long memory = 0;
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                memory = Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        var store = Files.getFileStore(dataDir);
        int cgroup = Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? 2 : 1;
        String arch = System.getProperty("os.arch");
        return new Fingerprint(Runtime.getRuntime().availableProcessors(), memory, store.getTotalSpace(),
                store.getUsableSpace(), System.getProperty("os.version"), cgroup, "linux",
                arch.equals("x86_64") ? "amd64" : arch.equals("aarch64") ? "arm64" : arch, Map.copyOf(labels));
    }

    /** What the agent tells the schedulers about its node: {@code cores × 1000} MHz, memory and disk in MiB. */
    public NodeInfo nodeInfo(String name, String datacenter) {
        return new NodeInfo(name, datacenter, cores * 1000, memoryBytes >> 20, diskBytes >> 20, kernel, cgroupVersion, os,
                arch, labels);
    }
}
