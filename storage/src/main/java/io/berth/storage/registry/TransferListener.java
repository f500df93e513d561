package io.berth.storage.registry;

import io.berth.protocol.oci.image.Descriptor;

/**
 * Follows the blobs of a pull or a push, for progress displays. Called from the transfer threads, several at
 * once: implementations must be thread-safe and quick. Every method has an empty default.
 */
public interface TransferListener {

    /** What became of one blob. */
    enum Outcome {
        /** Already in the local store (pull) or the repository (push): nothing transferred. */
        PRESENT,
        /** Downloaded into the local store and verified. */
        DOWNLOADED,
        /** Mounted from another repository of the same registry (push). */
        MOUNTED,
        /** Uploaded to the registry (push). */
        UPLOADED
    }

    TransferListener NONE = new TransferListener() { };

    /** A blob transfer starts, at {@code offset} bytes (above 0 when resuming an interrupted download). */
    default void started(Descriptor blob, long offset) {
    }

    /** {@code done} of the blob's {@code size} bytes are transferred. */
    default void progress(Descriptor blob, long done) {
    }

    /** The blob is done. */
    default void finished(Descriptor blob, Outcome outcome) {
    }
}
