package io.berth.ops.cli;

/** The API could not be reached at all (refused, timed out, not HTTP); the message says where and what to try. */
public final class ApiUnreachableException extends Exception {
    public ApiUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
