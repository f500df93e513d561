package io.berth.protocol.job;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The network namespace a task gets. */
public enum NetworkMode {
    /** A private namespace with only loopback. */
    @JsonProperty("none") NONE,
    /** The node's namespace: the task listens on the host ports it was given. */
    @JsonProperty("host") HOST,
    /** A private namespace on a bridge, host ports forwarded to container ports (CNI bridge + portmap). */
    @JsonProperty("bridge") BRIDGE
}
