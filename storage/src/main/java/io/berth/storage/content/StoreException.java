package io.berth.storage.content;

import java.io.IOException;

/**
 * A failure of the local content or image store that the caller can act on; the message says what was
 * wrong, where, and what to do. Subclasses say which failure it is.
 */
public class StoreException extends IOException {

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
