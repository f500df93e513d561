package io.berth.protocol.job;

import java.util.List;

/**
 * Spreads a group's allocations over the values of a node {@code attribute}: over the listed {@code targets} in
 * their percentages (the share left over goes evenly to values not listed), or evenly over every value seen
 * when there are no targets. {@code weight} (1..100, default 50) orders several spreads.
 */
public record Spread(String attribute, Integer weight, List<SpreadTarget> targets) {
    public Spread {
        weight = Copies.or(weight, 50);
        targets = Copies.list(targets);
    }
}
