/**
 * Writes OCI bundles whose rootfs is the host's static busybox, for tests, the benchmark and the demo.
 */
package io.berth.runtime.bundle;
