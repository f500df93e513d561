/**
 * The Pekko Cluster of a Berth node: its configuration from a few settings (name, address, roles, seeds, data
 * directory), split brain resolution and coordinated shutdown, and a one-node cluster that forms by itself.
 */
package io.berth.scheduler.cluster;
