package io.berth.protocol.cluster;

import java.util.Map;
import java.util.Objects;

/**
 * What a node is and offers, as its agent fingerprinted it; the scheduler matches tasks against it.
 *
 * @param name          the node's name, unique in the cluster (the host name unless configured)
 * @param datacenter    the operator's datacenter name ({@code dc1} unless configured)
 * @param cpuMhz        the CPU it offers in MHz (cores × 1000 unless the agent measured otherwise)
 * @param memoryMb      its memory in MiB
 * @param diskMb        the space of the agent's data directory in MiB
 * @param kernel        the kernel release, {@code 6.1.0-13-amd64}
 * @param cgroupVersion 2 on a unified hierarchy, 1 on a legacy or hybrid one
 * @param os            {@code linux}
 * @param arch          in OCI terms: {@code amd64}, {@code arm64}
 * @param labels        the operator's labels (constraints match them as {@code meta.<key>}); never null
 * @param reservedPorts the host ports the scheduler must never give out on the node (the operator's
 *                      {@code berth.agent.reserved-ports}), as {@link PortRanges} text ({@code 22,80,8000-8100});
 *                      "" for none, and when an older agent omits it
 */
public record NodeInfo(String name, String datacenter, int cpuMhz, long memoryMb, long diskMb, String kernel,
                       int cgroupVersion, String os, String arch, Map<String, String> labels, String reservedPorts)
        implements CborSerializable {
    public NodeInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(datacenter, "datacenter");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        reservedPorts = reservedPorts == null ? "" : reservedPorts;
    }

    /** A node that reserves no ports. */
    public NodeInfo(String name, String datacenter, int cpuMhz, long memoryMb, long diskMb, String kernel,
                    int cgroupVersion, String os, String arch, Map<String, String> labels) {
        this(name, datacenter, cpuMhz, memoryMb, diskMb, kernel, cgroupVersion, os, arch, labels, "");
    }

    /** This node reserving {@code ports}. */
    public NodeInfo withReservedPorts(PortRanges ports) {
        return new NodeInfo(name, datacenter, cpuMhz, memoryMb, diskMb, kernel, cgroupVersion, os, arch, labels,
                ports.toString());
    }
}
