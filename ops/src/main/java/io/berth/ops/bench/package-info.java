/**
 * {@code berth bench ...}: benchmarks that measure Berth against its peers on this machine, in one run,
 * interleaved, so that the machine's noise falls on every runner alike.
 */
package io.berth.ops.bench;
