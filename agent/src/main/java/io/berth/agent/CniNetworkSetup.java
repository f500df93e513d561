package io.berth.agent;

import io.berth.agent.network.ContainerNetwork;
import io.berth.agent.network.NetworkAttachment;
import io.berth.agent.network.NetworkMode;
import io.berth.agent.network.PortMapping;
import io.berth.protocol.job.Port;
import io.berth.protocol.job.Task;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Network modes none, host and bridge through {@link ContainerNetwork} (CNI plugins): bridge mode publishes
 * each port of each task on the host port the allocation was given, forwarding to the port's {@code to}
 * (default: the same number).
 */
public final class CniNetworkSetup implements NetworkSetup {
    private final ContainerNetwork network;

    public CniNetworkSetup(ContainerNetwork network) {
        this.network = network;
    }

    @Override
    public Attachment attach(String allocationId, List<Task> tasks, Map<String, Integer> hostPorts, Path dir) {
        NetworkMode mode = NetworkMode.valueOf(tasks.get(0).network().name());
        List<PortMapping> ports = new ArrayList<>();
        if (mode == NetworkMode.BRIDGE) {
            for (int i = 0; i < tasks.size(); i++) {
                for (Port p : tasks.get(i).ports()) {
                    Integer host = hostPorts.get(p.label());
                    if (host == null) {
                        throw new IllegalArgumentException("tasks[" + i + "].ports." + p.label()
                                + ": the allocation was given no host port for it");
                    }
                    ports.add(PortMapping.tcp(host, p.to() != null ? p.to() : host));
                }
            }
        }
        return attachment(network.setUp(allocationId, mode, ports, TaskSpecs.hostname(allocationId)));
    }

    @Override
    public Optional<Attachment> find(String allocationId) {
        return network.find(allocationId).map(CniNetworkSetup::attachment);
    }

    @Override
    public void detach(String allocationId) {
        network.tearDown(allocationId);
    }

    @Override
    public Set<Integer> tcpPortsForwardedByOthers() {
        return network.tcpPortsForwardedByOthers();
    }

    private static Attachment attachment(NetworkAttachment a) {
        return new Attachment(a.mode() == NetworkMode.HOST, a.netnsPath() == null ? null : a.netnsPath().toString(),
                Map.of("/etc/hosts", a.hostsFile(), "/etc/hostname", a.hostnameFile(), "/etc/resolv.conf", a.resolvConf()));
    }
}
