package io.berth.protocol.oci.runtime;

import java.util.List;

/**
 * A {@code config.json} that cannot be used. Each error names where it is, as a JSON path
 * ({@code $.linux.namespaces[2].type}), and what is wrong; the message is one line.
 */
public final class InvalidSpecException extends RuntimeException {
    private final List<String> errors;

    public InvalidSpecException(String source, List<String> errors) {
        super(source + ": " + String.join("; ", errors));
        this.errors = List.copyOf(errors);
    }

    /** Every error found, each "JSON path: problem". */
    public List<String> errors() {
        return errors;
    }
}
