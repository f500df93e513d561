/**
 * The messages that cross the cluster between schedulers and agents: records under
 * {@link io.berth.protocol.cluster.CborSerializable}. Agents accept {@link io.berth.protocol.cluster.AgentCommand}s;
 * the scheduler singleton accepts {@link io.berth.protocol.cluster.SchedulerCommand}s. The only Pekko type used
 * is {@code ActorRef}, for replies.
 */
package io.berth.protocol.cluster;
