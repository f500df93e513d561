/**
 * Hollow agents: node agents with a fake runtime and image store that speak the real cluster protocol, thousands
 * per JVM (as kubemark's hollow nodes do for Kubernetes), and the launchers and multi-JVM harness that tests and
 * the end-to-end scheduling benchmark run them with.
 */
package io.berth.scheduler.hollow;
