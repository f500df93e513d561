/** The schedulers: durable desired state, placement, and the control loop that converges actual to it. */
package io.berth.scheduler;
