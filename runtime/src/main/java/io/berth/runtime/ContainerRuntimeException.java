package io.berth.runtime;

/** Base of every failure the runtime reports; the message is one line naming what failed and where. */
public class ContainerRuntimeException extends RuntimeException {
    public ContainerRuntimeException(String message) {
        super(message);
    }

    public ContainerRuntimeException(String message, Throwable cause) {
        super(message, cause);
    }
}
