package io.berth.protocol.job;

/**
 * A soft preference: nodes whose {@code attribute} compares true with {@code value} by {@code operator} (default
 * {@code =}) score higher for a positive {@code weight} and lower for a negative one (-100..100, not 0; default 50).
 */
public record Affinity(String attribute, Operator operator, String value, Integer weight) {
    public Affinity {
        operator = Copies.or(operator, Operator.EQUAL);
        weight = Copies.or(weight, 50);
    }
}
