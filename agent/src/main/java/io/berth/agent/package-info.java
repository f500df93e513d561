/**
 * The node agent: {@link io.berth.agent.NodeAgent} turns allocations into running containers on its machine and
 * keeps them running: one {@link io.berth.agent.AllocationSupervisor} per allocation, which runs its tasks as a pod
 * (one network namespace), one {@link io.berth.agent.ContainerSupervisor} per task's container. Container output
 * reaches size-bounded rotating files through a named pipe per stream that the agent drains
 * ({@link io.berth.agent.LogFiles}).
 */
package io.berth.agent;
