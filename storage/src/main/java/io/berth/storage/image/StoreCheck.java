package io.berth.storage.image;

import java.util.List;

/**
 * What {@link ImageStore#check} found.
 *
 * @param blobs      indexed blobs, each read back and hashed
 * @param blobBytes  their bytes
 * @param ingests    ingests in progress or interrupted (resumed by the next pull, never served)
 * @param images     image names, each resolved for the store's platform
 * @param snapshots  indexed snapshots
 * @param containers container root file systems on record
 * @param problems   one line per inconsistency, naming the digest, name or directory; empty when sound
 */
public record StoreCheck(int blobs, long blobBytes, int ingests, int images, int snapshots, int containers,
                         List<String> problems) {

    public StoreCheck {
        problems = List.copyOf(problems);
    }

    /** Whether nothing is inconsistent. */
    public boolean ok() {
        return problems.isEmpty();
    }
}
