/**
 * The placement engine: plain Java over an immutable {@link io.berth.scheduler.placement.ClusterSnapshot}, no
 * Pekko. {@link io.berth.scheduler.placement.Scheduler#process} reconciles a job against what runs, then places
 * each allocation through Nomad's shape: feasibility checks, rankers, limit-and-select, and preemption of
 * lower-priority work; the result is a {@link io.berth.scheduler.placement.Plan}. Deterministic for a seed.
 */
package io.berth.scheduler.placement;
