/** The messages that cross the cluster between schedulers and agents: records under {@link io.berth.protocol.cluster.CborSerializable}. */
package io.berth.protocol.cluster;
