/**
 * One Berth node in this JVM: the cluster member with its roles ({@code berth dev}, {@code berth server},
 * {@code berth agent}), what each role runs, and its graceful shutdown.
 */
package io.berth.ops.node;
