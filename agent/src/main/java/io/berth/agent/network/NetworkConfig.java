package io.berth.agent.network;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where and how {@link ContainerNetwork} works.
 *
 * @param runDir        its state: {@code netns/<alloc>} (pinned namespaces), {@code alloc/<alloc>/} (the
 *                      container's /etc files and the CNI state teardown needs) and {@code ipam/} (host-local's
 *                      leases). Under /run by default, so a reboot, which ends every container, frees them all.
 * @param cniPath       the directory holding the CNI plugin binaries (Debian: /usr/lib/cni)
 * @param networkName   the CNI network name; portmap and bridge tag their iptables rules with it
 * @param bridgeName    the Linux bridge, at most 15 characters
 * @param subnet        the containers' IPv4 subnet in CIDR notation, private to this machine
 * @param pluginTimeout how long one plugin invocation may take before it is killed
 */
public record NetworkConfig(Path runDir, Path cniPath, String networkName, String bridgeName, String subnet,
        Duration pluginTimeout) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Pattern CIDR = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})");

    public NetworkConfig {
        Objects.requireNonNull(runDir, "runDir");
        Objects.requireNonNull(cniPath, "cniPath");
        Objects.requireNonNull(pluginTimeout, "pluginTimeout");
        if (networkName == null || !NAME.matcher(networkName).matches()) {
            throw new IllegalArgumentException("network name '" + networkName
                    + "': use letters, digits, '_', '.' and '-', starting with a letter or digit");
        }
        if (bridgeName == null || bridgeName.isEmpty() || bridgeName.length() > 15 || !NAME.matcher(bridgeName).matches()) {
            throw new IllegalArgumentException("bridge name '" + bridgeName
                    + "': 1 to 15 letters, digits, '_', '.' or '-' (a Linux interface name)");
        }
        var m = subnet == null ? null : CIDR.matcher(subnet);
        if (m == null || !m.matches() || Integer.parseInt(m.group(5)) > 30 || Integer.parseInt(m.group(5)) < 8
                || Integer.parseInt(m.group(1)) > 255 || Integer.parseInt(m.group(2)) > 255
                || Integer.parseInt(m.group(3)) > 255 || Integer.parseInt(m.group(4)) > 255) {
            throw new IllegalArgumentException("subnet '" + subnet
                    + "': an IPv4 network in CIDR notation with a prefix of /8 to /30, e.g. 10.88.0.0/16");
        }
    }

    /** /run/berth/net, /usr/lib/cni, network "berth" on bridge "berth0", 10.88.0.0/16, 60 s per plugin. */
    public static NetworkConfig defaults() {
        return new NetworkConfig(Path.of("/run/berth/net"), Path.of("/usr/lib/cni"), "berth", "berth0",
                "10.88.0.0/16", Duration.ofSeconds(60));
    }
}
