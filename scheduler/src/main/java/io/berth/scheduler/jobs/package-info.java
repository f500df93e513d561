/**
 * The job store: every version of every job, replicated over Pekko Distributed Data with majority writes and
 * made durable in RocksDB on each scheduler node. Desired state lives here and nowhere else.
 */
package io.berth.scheduler.jobs;
