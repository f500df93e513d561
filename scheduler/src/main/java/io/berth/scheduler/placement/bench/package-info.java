/** The placement engine's benchmark: placements per second over seeded random clusters, engine alone. */
package io.berth.scheduler.placement.bench;
