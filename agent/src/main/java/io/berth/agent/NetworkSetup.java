package io.berth.agent;

import io.berth.protocol.job.Task;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Gives a container its network: the namespace it runs in and the files ({@code /etc/hosts},
 * {@code /etc/hostname}, {@code /etc/resolv.conf}) bind-mounted into it. The supervisor calls {@link #attach}
 * before it creates the container and {@link #detach} after it deleted it.
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
     * Prepares the network for one run of an allocation's task.
     *
     * @param hostPorts the host port per port label the allocation was given
     * @param dir       a directory owned by the allocation, for files the attachment writes
     * @throws IOException when the network cannot be set up; nothing of it is left then
     * @throws IllegalArgumentException when the task asks for a network this node cannot give (the message says why)
     */
    Attachment attach(String allocationId, Task task, Map<String, Integer> hostPorts, Path dir) throws IOException;

    /** Undoes {@link #attach}; does nothing when there is nothing to undo. */
    void detach(String allocationId, Task task) throws IOException;
}
