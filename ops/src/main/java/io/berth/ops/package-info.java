/** The {@code berth} command line, dev mode and benchmarks: how users and operators meet Berth. */
package io.berth.ops;
