package io.berth.agent.network;

/** Setting up or tearing down a container's network failed; the message says what, for which allocation. */
public class NetworkException extends RuntimeException {
    public NetworkException(String message) {
        super(message);
    }

    public NetworkException(String message, Throwable cause) {
        super(message, cause);
    }
}
