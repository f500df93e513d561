package io.berth.ops.cli;

import java.util.List;

/**
 * The API answered with an error: its status, its message and, for invalid input, one entry per field path
 * ({@code {"error": "...", "errors": [{"path": "...", "message": "..."}]}}).
 */
public final class ApiException extends Exception {

    /** One problem with the input, at a field path such as {@code groups[0].tasks[0].image}. */
    public record FieldError(String path, String message) {
        @Override
        public String toString() {
            return path == null || path.isEmpty() ? message : path + ": " + message;
        }
    }

    private final int status;
    private final List<FieldError> errors;

    public ApiException(int status, String message, List<FieldError> errors) {
        super(message);
        this.status = status;
        this.errors = List.copyOf(errors);
    }

    /** The HTTP status. */
    public int status() {
        return status;
    }

    /** The field errors; empty when the error is not about input fields. */
    public List<FieldError> errors() {
        return errors;
    }

    /** The exit code this error ends a command with. */
    public int exitCode() {
        return switch (status) {
            case 400, 413, 415, 422 -> ExitCodes.USAGE;
            case 401, 403 -> ExitCodes.DENIED;
            case 404 -> ExitCodes.NOT_FOUND;
            default -> ExitCodes.FAILED;
        };
    }
}
