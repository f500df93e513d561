package io.berth.runtime.cli;

/** A command line that cannot be carried out, for a reason the message (one line) explains to the user. */
final class CliException extends RuntimeException {
    CliException(String message) {
        super(message);
    }
}
