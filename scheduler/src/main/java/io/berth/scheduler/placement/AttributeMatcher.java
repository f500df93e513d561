package io.berth.scheduler.placement;

import io.berth.protocol.job.Operator;
import io.berth.protocol.job.VersionConstraint;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A constraint or affinity operator and value, compiled once (regular expression, version range, set) and
 * applied to a node's attribute value, which may be null when the node lacks the attribute. As in Nomad, a
 * missing attribute satisfies only {@code !=} and {@code is_not_set}.
 */
final class AttributeMatcher {
    private final Operator operator;
    private final String value;
    private final Pattern pattern;
    private final VersionConstraint version;
    private final List<String> items;

    AttributeMatcher(Operator operator, String value) {
        this.operator = operator;
        this.value = value;
        this.pattern = operator == Operator.REGEXP ? Pattern.compile(value) : null;
        this.version = operator == Operator.VERSION ? VersionConstraint.parse(value) : null;
        this.items = operator == Operator.SET_CONTAINS || operator == Operator.SET_CONTAINS_ANY ? split(value) : null;
    }

    boolean matches(String attribute) {
        return switch (operator) {
            case EQUAL -> value.equals(attribute);
            case NOT_EQUAL -> !value.equals(attribute);
            case REGEXP -> attribute != null && pattern.matcher(attribute).find();
            case VERSION -> attribute != null && version.matches(attribute);
            case SET_CONTAINS -> attribute != null && new HashSet<>(split(attribute)).containsAll(items);
            case SET_CONTAINS_ANY -> attribute != null && anyIn(split(attribute), items);
            case IS_SET -> attribute != null;
            case IS_NOT_SET -> attribute == null;
            case DISTINCT_HOSTS, DISTINCT_PROPERTY ->
                    throw new IllegalArgumentException(operator.spelling() + " is not an attribute comparison");
        };
    }

    private static boolean anyIn(List<String> have, List<String> wanted) {
        Set<String> set = new HashSet<>(have);
        return wanted.stream().anyMatch(set::contains);
    }

    private static List<String> split(String s) {
        return Arrays.stream(s.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList();
    }
}
