package io.berth.protocol.job;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A host port the task needs. With {@code static} the host port is fixed (and no two allocations on a node
 * can share it); without it the scheduler assigns a free port from the node's dynamic range. In bridge mode
 * the host port forwards to {@code to} inside the container (default: the same number as the host port).
 *
 * @param label names the port for health checks and the task's environment ({@code BERTH_PORT_<label>})
 */
public record Port(String label, @JsonProperty("static") Integer staticPort, Integer to) {
    /** True when the scheduler picks the host port. */
    public boolean dynamic() {
        return staticPort == null;
    }
}
