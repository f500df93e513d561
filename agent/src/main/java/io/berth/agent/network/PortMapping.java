package io.berth.agent.network;

import java.util.Locale;

/**
 * A published port: connections to {@code hostPort} on the host (any address, 127.0.0.1 included) reach
 * {@code containerPort} in the container. Only meaningful in {@link NetworkMode#BRIDGE}.
 *
 * @param hostPort      1..65535, handed out by the scheduler
 * @param containerPort 1..65535
 * @param protocol      "tcp" or "udp" (lower case after construction)
 */
public record PortMapping(int hostPort, int containerPort, String protocol) {
    public PortMapping {
        checkPort("hostPort", hostPort);
        checkPort("containerPort", containerPort);
        protocol = protocol == null ? "tcp" : protocol.toLowerCase(Locale.ROOT);
        if (!protocol.equals("tcp") && !protocol.equals("udp")) {
            throw new IllegalArgumentException("port mapping " + hostPort + "->" + containerPort
                    + ": protocol must be tcp or udp, got '" + protocol + "'");
        }
    }

    /** A TCP mapping. */
    public static PortMapping tcp(int hostPort, int containerPort) {
        return new PortMapping(hostPort, containerPort, "tcp");
    }

    private static void checkPort(String field, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port mapping: " + field + " must be 1..65535, got " + port);
        }
    }
}
