/**
 * The HTTP API under {@code /v1} that every scheduler node serves (pekko-http): jobs, deployments, allocations,
 * nodes, the event stream, status, Prometheus metrics and health. {@link io.berth.scheduler.api.ApiServer} starts
 * it; one route table drives routing, the 405 answers, authorization and the OpenAPI check.
 */
package io.berth.scheduler.api;
