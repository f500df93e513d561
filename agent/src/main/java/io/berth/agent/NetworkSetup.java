package io.berth.agent;

import io.berth.protocol.job.Task;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Gives an allocation its network: the one namespace all its tasks' containers run in (as a pod's do) and the
 * files ({@code /etc/hosts}, {@code /etc/hostname}, {@code /etc/resolv.conf}) bind-mounted into each of them. The
 * allocation's supervisor calls {@link #attach} before it creates the first container and {@link #detach} after it
 * deleted the last; the network outlives restarts of single tasks.
 *
 * <p>Implementations are thread-safe: supervisors call them from blocking-dispatcher threads at once.
 */
public interface NetworkSetup {

    /**
     * How a container joins the network.
     *
     * @param hostNamespace run in the node's own network namespace (no network namespace in the spec)
     * @param netnsPath     a namespace to join (e.g. one CNI set up); null with {@code hostNamespace} false
     *                      means a fresh namespace with only loopback
     * @param files         container path to host file, each bind-mounted read-only; never null
     */
    record Attachment(boolean hostNamespace, String netnsPath, Map<String, Path> files) {
        public Attachment {
            files = Map.copyOf(files);
        }
    }

    /**
     * Prepares the network of an allocation: its tasks' network mode (they share one) and every port of every task
     * published on the host port the allocation was given for its label.
     *
     * @param tasks     the allocation's tasks, all in one network mode; not empty
     * @param hostPorts the host port per port label the allocation was given
     * @param dir       a directory owned by the allocation, for files the attachment writes
     * @throws IOException when the network cannot be set up; nothing of it is left then
     * @throws IllegalArgumentException when the tasks ask for a network this node cannot give (the message says why)
     */
    Attachment attach(String allocationId, List<Task> tasks, Map<String, Integer> hostPorts, Path dir) throws IOException;

    /**
     * The network an earlier {@link #attach} completed for the allocation, also in an agent process that has
     * since restarted (live restore); empty when there is none or it was never completed.
     *
     * @throws IOException when what was recorded of it cannot be read
     */
    Optional<Attachment> find(String allocationId) throws IOException;

    /** Undoes {@link #attach}, also a half-done one; does nothing when there is nothing to undo. */
    void detach(String allocationId) throws IOException;

    /**
     * The TCP host ports that others' forwarding rules already take on this machine (another CNI network, podman,
     * a killed agent's leftovers), which {@link #attach} would refuse to publish; not the ports of this agent's
     * allocations.
     *
     * @throws IOException when the rules cannot be read
     */
    Set<Integer> tcpPortsForwardedByOthers() throws IOException;
}
