package io.berth.protocol.job;

import com.fasterxml.jackson.annotation.JsonValue;

/** How a {@link Constraint} or {@link Affinity} compares a node attribute with its value. */
public enum Operator {
    EQUAL("=", true),
    NOT_EQUAL("!=", true),
    /** The attribute matches the value as a Java regular expression (anywhere in the attribute). */
    REGEXP("regexp", true),
    /** The attribute, read as a version, satisfies a range such as {@code ">= 1.2, < 2"} ({@link VersionConstraint}). */
    VERSION("version", true),
    /** The attribute, a comma-separated set, holds every comma-separated item of the value. */
    SET_CONTAINS("set_contains", true),
    /** The attribute, a comma-separated set, holds at least one comma-separated item of the value. */
    SET_CONTAINS_ANY("set_contains_any", true),
    /** No two allocations of the job (in a group's constraints: of the group) on one node; no attribute or value. */
    DISTINCT_HOSTS("distinct_hosts", false),
    /** At most {@code value} (default 1) allocations of the job per distinct value of the attribute. */
    DISTINCT_PROPERTY("distinct_property", false),
    /** The node has the attribute. */
    IS_SET("is_set", false),
    /** The node lacks the attribute. */
    IS_NOT_SET("is_not_set", false);

    private final String spelling;
    private final boolean needsValue;

    Operator(String spelling, boolean needsValue) {
        this.spelling = spelling;
        this.needsValue = needsValue;
    }

    /** True when a value is required. */
    public boolean needsValue() {
        return needsValue;
    }

    /** The spelling in a job spec. */
    @JsonValue
    public String spelling() {
        return spelling;
    }
}
