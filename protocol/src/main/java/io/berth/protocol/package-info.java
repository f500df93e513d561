/** Berth's vocabulary: the job spec, OCI documents and the messages that cross the cluster. No I/O. */
package io.berth.protocol;
