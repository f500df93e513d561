/**
 * Container networking for the node agent: a persistent network namespace per allocation, bridge networking
 * through the standard CNI plugins invoked as the CNI spec says, and the container's {@code /etc/hosts},
 * {@code /etc/hostname} and {@code /etc/resolv.conf}. {@link io.berth.agent.network.ContainerNetwork} is the
 * entry point.
 */
package io.berth.agent.network;
