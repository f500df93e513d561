/**
 * {@code berth-runtime}, the runtime's runc-compatible command line: one picocli command per runc verb, each a
 * thin layer over {@link io.berth.runtime.ContainerRuntime}, so runc's callers can drive Berth unchanged.
 */
package io.berth.runtime.cli;
