package io.berth.scheduler.api;

import java.util.List;

/**
 * A request the API answers with an error: the HTTP status and the body
 * {@code {"error": message, "errors": [{"path", "message"}]}}.
 */
final class ApiException extends RuntimeException {
    /** One problem with a field of the request, {@code path} as {@code groups[0].count}. */
    record FieldError(String path, String message) {}

    private final int status;
    private final List<FieldError> errors;

    ApiException(int status, String message, List<FieldError> errors) {
        super(message, null, false, false);
        this.status = status;
        this.errors = List.copyOf(errors);
    }

    ApiException(int status, String message) {
        this(status, message, List.of());
    }

    static ApiException badRequest(String path, String message) {
        return new ApiException(400, path + ": " + message, List.of(new FieldError(path, message)));
    }

    static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    int status() {
        return status;
    }

    List<FieldError> errors() {
        return errors;
    }
}
