/** {@code berth demo}: what a newcomer runs first to see Berth work on one machine. */
package io.berth.ops.demo;
