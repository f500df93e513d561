package io.berth.storage.content;

import io.berth.protocol.oci.image.Digest;

/** A blob with this digest is already committed, so there is nothing to write: use it. */
public final class BlobExistsException extends StoreException {

    private final transient BlobInfo info;

    public BlobExistsException(BlobInfo info) {
        super("blob " + info.digest() + " already exists in the content store");
        this.info = info;
    }

    public Digest digest() {
        return info.digest();
    }

    public BlobInfo info() {
        return info;
    }
}
