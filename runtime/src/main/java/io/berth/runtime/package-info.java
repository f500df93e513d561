/**
 * Berth's OCI runtime as a Java API: {@link io.berth.runtime.ContainerRuntime} creates, starts, signals,
 * execs into and deletes containers in-process, spawning nothing per operation but the container itself.
 */
package io.berth.runtime;
