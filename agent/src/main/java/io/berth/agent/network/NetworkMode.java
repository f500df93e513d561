package io.berth.agent.network;

/** How a container is attached to the network. */
public enum NetworkMode {
    /** Its own empty network namespace with only the loopback interface, up; no files bind-mounted from here. */
    NONE,
    /** The host's network namespace: no isolation, ports are the host's own. */
    HOST,
    /** Its own network namespace joined to a Linux bridge through CNI (bridge, host-local, portmap). */
    BRIDGE
}
