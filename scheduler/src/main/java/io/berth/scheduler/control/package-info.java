/**
 * The scheduler singleton: keeps what runs on the agents converged to the jobs in the job store, level-triggered,
 * through the pure placement engine of {@link io.berth.scheduler.placement}; answers the API's queries
 * ({@link io.berth.scheduler.control.SchedulerApi}).
 */
package io.berth.scheduler.control;
