/**
 * The node agent: {@link io.berth.agent.NodeAgent} turns allocations into running containers on its machine,
 * one {@link io.berth.agent.ContainerSupervisor} each, and keeps them running. Container output reaches
 * size-bounded rotating files through a named pipe per stream that the agent drains ({@link io.berth.agent.LogFiles}).
 */
package io.berth.agent;
