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

/**
 * Network modes none, host and bridge through {@link ContainerNetwork} (CNI plugins): bridge mode publishes
 * each of the task's ports on the host port the allocation was given, forwarding to the port's {@code to}
 * (default: the same number).
 */
public final class CniNetworkSetup implements NetworkSetup {
    private final ContainerNetwork network;

    public CniNetworkSetup(ContainerNetwork network) {
        this.network = network;
    }

    @Override
    public Attachment attach(String allocationId, Task task, Map<String, Integer> hostPorts, Path dir) {
        NetworkMode mode = NetworkMode.valueOf(task.network().name());
        List<PortMapping> ports = new ArrayList<>();
        if (mode == NetworkMode.BRIDGE) {
            for (Port p : task.ports()) {
                Integer host = hostPorts.get(p.label());
                if (host == null) {
                    throw new IllegalArgumentException("task.ports." + p.label()
                            + ": the allocation was given no host port for it");
                }
                ports.add(PortMapping.tcp(host, p.to() != null ? p.to() : host));
            }
        }
        NetworkAttachment a = network.setUp(allocationId, mode, ports, TaskSpecs.hostname(allocationId));
        return new Attachment(mode == NetworkMode.HOST, a.netnsPath() == null ? null : a.netnsPath().toString(),
                Map.of("/etc/hosts", a.hostsFile(), "/etc/hostname", a.hostnameFile(), "/etc/resolv.conf", a.resolvConf()));
    }

    @Override
    public void detach(String allocationId, Task task) {
        network.tearDown(allocationId);
    }
}
