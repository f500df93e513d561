package io.berth.agent.network;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@link ContainerNetwork#setUp} made for one allocation: the network namespace the container joins and
 * the files to bind-mount over its /etc entries. Immutable.
 *
 * @param allocId      the allocation
 * @param mode         its network mode
 * @param netnsPath    the pinned network namespace to join; null in {@link NetworkMode#HOST}
 * @param ips          the container's addresses (bridge mode; empty otherwise)
 * @param hostsFile    the file for /etc/hosts
 * @param resolvConf   the file for /etc/resolv.conf
 * @param hostnameFile the file for /etc/hostname
 */
public record NetworkAttachment(String allocId, NetworkMode mode, Path netnsPath, List<IpConfig> ips,
        Path hostsFile, Path resolvConf, Path hostnameFile) {

    /**
     * One address of the container.
     *
     * @param address CIDR notation, e.g. 10.88.0.2/16
     * @param gateway the gateway on that network, or null
     */
    public record IpConfig(String address, String gateway) {
        /** The address without its prefix length, e.g. 10.88.0.2. */
        public String ip() {
            int slash = address.indexOf('/');
            return slash < 0 ? address : address.substring(0, slash);
        }
    }

    public NetworkAttachment {
        ips = List.copyOf(ips);
    }

    /**
     * The entry for the OCI config's {@code linux.namespaces}: join {@link #netnsPath()}; null in host mode,
     * where the spec must list no network namespace at all.
     */
    public RuntimeSpec.Namespace namespace() {
        return netnsPath == null ? null : new RuntimeSpec.Namespace("network", netnsPath.toString());
    }

    /** Read-only bind mounts of the three files onto /etc/hosts, /etc/hostname and /etc/resolv.conf. */
    public List<RuntimeSpec.Mount> mounts() {
        return List.of(bind(hostsFile, "/etc/hosts"), bind(hostnameFile, "/etc/hostname"),
                bind(resolvConf, "/etc/resolv.conf"));
    }

    private static RuntimeSpec.Mount bind(Path source, String destination) {
        return new RuntimeSpec.Mount(destination, "bind", source.toString(),
                List.of("bind", "ro", "nosuid", "nodev", "noexec"), null, null);
    }
}
