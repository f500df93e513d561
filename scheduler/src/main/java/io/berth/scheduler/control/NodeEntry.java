package io.berth.scheduler.control;

import io.berth.protocol.cluster.AgentCommand;
import io.berth.protocol.cluster.NodeInfo;
import io.berth.protocol.cluster.NodeStatus;
import io.berth.protocol.cluster.PortRanges;
import io.berth.scheduler.placement.Capacity;
import io.berth.scheduler.placement.Node;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What the singleton knows of one node. Mutable, confined to the singleton's actor. Status: READY while it
 * heartbeats, DOWN when it missed its TTL or its cluster member became unreachable or was removed; DOWN -> READY
 * only by registering again.
 */
final class NodeEntry {
    final String name;
    NodeInfo info;
    /** The ports its operator reserved ({@code info.reservedPorts()} read). */
    PortRanges reservedPorts = PortRanges.NONE;
    /** The host ports others use, as its agent last reported ({@code usage.hostPortsInUse()} read). */
    PortRanges hostPortsInUse = PortRanges.NONE;
    ActorRef<AgentCommand> agent;
    /** The cluster member the agent lives on. */
    Address address;
    NodeStatus usage;
    Node.Status status = Node.Status.READY;
    /** The operator's choice (an eligibility set by hand, or a drain); a registration leaves it as it is. */
    boolean eligible = true;
    boolean draining;
    /**
     * Its agent said it is shutting down and stops its allocations ({@code LeaveNode}): nothing new goes there
     * until the agent registers again.
     */
    boolean leaving;
    Instant drainDeadline;
    Instant registeredAt;
    Instant lastHeartbeat;
    /** When it is declared down without a heartbeat. */
    Instant expiresAt;
    /** Every allocation the view holds on the node, ended ones included. */
    final Set<String> allocations = new LinkedHashSet<>();

    NodeEntry(String name) {
        this.name = name;
    }

    /** Whether new allocations may go there: the operator allows it and the agent is not leaving. */
    boolean eligible() {
        return eligible && !leaving;
    }

    /** The node as the engine sees it. */
    Node toNode() {
        NodeInfo i = info;
        Set<String> images = usage == null ? Set.of() : new HashSet<>(usage.images());
        return new Node(name, i.datacenter(), i.os() == null ? "linux" : i.os(), i.arch() == null ? "amd64" : i.arch(),
                i.kernel() == null ? "" : i.kernel(), String.valueOf(i.cgroupVersion()), i.labels(),
                new Capacity(i.cpuMhz(), (int) Math.min(Integer.MAX_VALUE, i.memoryMb()),
                        (int) Math.min(Integer.MAX_VALUE, i.diskMb())),
                Capacity.ZERO, status, eligible(), draining, images, Node.DEFAULT_DYNAMIC_MIN, Node.DEFAULT_DYNAMIC_MAX,
                reservedPorts, hostPortsInUse);
    }
}
