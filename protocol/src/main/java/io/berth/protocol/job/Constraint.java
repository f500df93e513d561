package io.berth.protocol.job;

/**
 * A hard rule on the nodes a group may use: the node's {@code attribute} (see {@link Attributes}) compared
 * with {@code value} by {@code operator} (default {@code =}).
 */
public record Constraint(String attribute, Operator operator, String value) {
    public Constraint {
        operator = Copies.or(operator, Operator.EQUAL);
    }

    /** A readable form, as placement failures name it: {@code attr.arch = arm64}. */
    @Override
    public String toString() {
        if (operator == Operator.DISTINCT_HOSTS) {
            return "distinct_hosts";
        }
        return (attribute == null ? "" : attribute) + " " + operator.spelling() + (value == null ? "" : " " + value);
    }
}
