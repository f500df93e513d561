package io.berth.storage.image;

import io.berth.storage.content.StoreException;

/**
 * An image document or layer is malformed or unsupported (bad JSON, missing field, unknown media type, no
 * manifest for this platform, a diffID that does not match, an unsafe layer entry). The message names the
 * document and field.
 */
public class InvalidImageException extends StoreException {

    public InvalidImageException(String message) {
        super(message);
    }

    public InvalidImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
