package io.berth.protocol.cluster;

/**
 * A message the scheduler singleton accepts from agents: {@link RegisterNode}, {@link NodeHeartbeat},
 * {@link AllocationStateChanged} and {@link LeaveNode}. The scheduler's own messages (API queries, timers) implement it
 * as well.
 */
public interface SchedulerCommand extends CborSerializable {}
