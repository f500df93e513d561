package io.berth.storage.content;

import io.berth.protocol.oci.image.Digest;

import java.io.IOException;

/**
 * Deletes committed blobs. Garbage collection is the usual caller: deleting a blob an image still refers to
 * breaks that image. Thread-safe.
 */
public interface BlobDeleter {

    /**
     * Removes the blob from the index, then its file (so a crash in between leaves an orphan file that the
     * next open removes, never a dangling entry).
     *
     * @return whether there was such a blob
     */
    boolean delete(Digest digest) throws IOException;
}
