package io.berth.scheduler.placement;

import io.berth.protocol.cluster.PortRanges;
import io.berth.protocol.job.Attributes;
import java.util.Map;
import java.util.Set;

/**
 * A node as the scheduler sees it. Immutable.
 *
 * @param capacity what the machine has
 * @param reserved what is kept for the agent and the system, never given to allocations
 * @param eligible false when an operator turned scheduling off for the node, or its agent is leaving (it drains
 *     for shutdown)
 * @param draining true while the node is being drained: nothing new goes there
 * @param images the images the node's store holds, by store name ({@code docker.io/library/busybox:1.36}) and
 *     by digest ({@code sha256:...}), for image locality
 * @param dynamicPortMin the first port of the range dynamic ports are taken from (inclusive)
 * @param dynamicPortMax the last port of that range (inclusive)
 * @param reservedPorts host ports the operator reserved on the node: never given out, static or dynamic
 * @param hostPortsInUse host ports other programs on the node use, as its agent last reported (a listening socket,
 *     another owner's port forwarding): never given out either
 */
public record Node(
        String id,
        String datacenter,
        String os,
        String arch,
        String kernelVersion,
        String cgroupVersion,
        Map<String, String> labels,
        Capacity capacity,
        Capacity reserved,
        Status status,
        boolean eligible,
        boolean draining,
        Set<String> images,
        int dynamicPortMin,
        int dynamicPortMax,
        PortRanges reservedPorts,
        PortRanges hostPortsInUse) {

    public enum Status { READY, DOWN }

    public static final int DEFAULT_DYNAMIC_MIN = 20000;
    public static final int DEFAULT_DYNAMIC_MAX = 32000;

    public Node {
        labels = Map.copyOf(labels);
        images = Set.copyOf(images);
        reservedPorts = reservedPorts == null ? PortRanges.NONE : reservedPorts;
        hostPortsInUse = hostPortsInUse == null ? PortRanges.NONE : hostPortsInUse;
        if (dynamicPortMin < 1 || dynamicPortMax > 65535 || dynamicPortMin > dynamicPortMax) {
            throw new IllegalArgumentException("node " + id + ": bad dynamic port range " + dynamicPortMin + "-"
                    + dynamicPortMax);
        }
    }

    /** A node that reserves no ports and reports none in use by others. */
    public Node(String id, String datacenter, String os, String arch, String kernelVersion, String cgroupVersion,
                Map<String, String> labels, Capacity capacity, Capacity reserved, Status status, boolean eligible,
                boolean draining, Set<String> images, int dynamicPortMin, int dynamicPortMax) {
        this(id, datacenter, os, arch, kernelVersion, cgroupVersion, labels, capacity, reserved, status, eligible,
                draining, images, dynamicPortMin, dynamicPortMax, PortRanges.NONE, PortRanges.NONE);
    }

    /** The value of an attribute named as in {@link Attributes} ({@code attr.arch}, {@code meta.rack}), or null. */
    public String attribute(String name) {
        return switch (name) {
            case Attributes.NODE_ID -> id;
            case Attributes.DATACENTER -> datacenter;
            case Attributes.OS -> os;
            case Attributes.ARCH -> arch;
            case Attributes.KERNEL_VERSION -> kernelVersion;
            case Attributes.CGROUP_VERSION -> cgroupVersion;
            default -> name.startsWith(Attributes.META_PREFIX)
                    ? labels.get(name.substring(Attributes.META_PREFIX.length())) : null;
        };
    }

    /** This node with another status, eligibility or drain flag. */
    public Node with(Status newStatus, boolean newEligible, boolean newDraining) {
        return new Node(id, datacenter, os, arch, kernelVersion, cgroupVersion, labels, capacity, reserved,
                newStatus, newEligible, newDraining, images, dynamicPortMin, dynamicPortMax, reservedPorts,
                hostPortsInUse);
    }
}
