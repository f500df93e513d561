package io.berth.storage.registry;

import java.io.IOException;

/**
 * A registry operation that failed: the registry refused it, answered something the client cannot trust, or
 * could not be reached. The message names the registry, the repository or blob, and what to do.
 */
public class RegistryException extends IOException {

    private final int status;

    public RegistryException(String message) {
        this(message, 0, null);
    }

    public RegistryException(String message, Throwable cause) {
        this(message, 0, cause);
    }

    public RegistryException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** The HTTP status the registry answered with, or 0 when the failure was not an HTTP answer. */
    public int status() {
        return status;
    }

    /** The registry (or its token endpoint) refused the credentials, or needs some: HTTP 401 or 403. */
    public static final class Unauthorized extends RegistryException {
        public Unauthorized(String message, int status) {
            super(message, status, null);
        }
    }

    /** The registry does not know the manifest, blob or repository asked for: HTTP 404. */
    public static final class NotFound extends RegistryException {
        public NotFound(String message) {
            super(message, 404, null);
        }
    }

    /**
     * The registry sent content that does not match what was asked for: a wrong digest, size or media type, or
     * a body cut short. Nothing of it is kept.
     */
    public static final class Untrusted extends RegistryException {
        public Untrusted(String message) {
            super(message, 0, null);
        }
    }
}
