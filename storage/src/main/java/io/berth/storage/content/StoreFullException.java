package io.berth.storage.content;

import java.nio.file.Path;

/** The file system under the store ran out of space; what was being written has been removed. */
public final class StoreFullException extends StoreException {

    public StoreFullException(String what, Path where, Throwable cause) {
        super(what + ": no space left on the device holding " + where
                + " (free space, or run `berth image prune` to remove unused images)", cause);
    }
}
