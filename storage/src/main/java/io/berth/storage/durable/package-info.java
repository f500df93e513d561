/**
 * A durable store for Pekko Distributed Data on RocksDB, in place of Pekko's LMDB one: the schedulers' job store
 * replicates into it. The one package of {@code storage} that depends on Pekko (Distributed Data's durable store
 * protocol); nothing else here may.
 */
package io.berth.storage.durable;
