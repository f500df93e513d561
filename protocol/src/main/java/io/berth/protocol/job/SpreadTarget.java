package io.berth.protocol.job;

/** One value of a {@link Spread}'s attribute and the share of the group's allocations it should get (0..100). */
public record SpreadTarget(String value, Integer percent) {}
