/**
 * {@code berth tls}: a cluster's certificate authority and the node certificates that let nodes join over TLS
 * (see {@link io.berth.scheduler.cluster.TlsSettings} for how a node uses them).
 */
package io.berth.ops.tls;
