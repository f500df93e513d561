/**
 * The {@code berth} commands that talk to a running cluster over its HTTP API ({@code job}, {@code alloc},
 * {@code node}, {@code events}): a small client, the shared options and exit codes, and the table output.
 */
package io.berth.ops.cli;
