package io.berth.protocol.job;

import java.util.List;

/**
 * A job spec that cannot run. Each error is "field path: problem", the path as
 * {@code groups[0].tasks[1].resources.memory_mb}; the message starts with the source (a file name, or what
 * the caller passed) and lists them all.
 */
public final class InvalidJobException extends RuntimeException {
    private final List<String> errors;

    public InvalidJobException(String source, List<String> errors) {
        super(source + ": " + errors.size() + (errors.size() == 1 ? " error" : " errors") + ":\n  "
                + String.join("\n  ", errors));
        this.errors = List.copyOf(errors);
    }

    /** Every error, each "field path: problem", in document order. */
    public List<String> errors() {
        return errors;
    }
}
