/**
 * The cluster's event stream: anything on a scheduler node publishes {@link io.berth.protocol.cluster.BerthEvent}s
 * through {@link io.berth.scheduler.events.Events}, and each scheduler node's
 * {@link io.berth.scheduler.events.EventLog} numbers them and serves readers from an index.
 */
package io.berth.scheduler.events;
