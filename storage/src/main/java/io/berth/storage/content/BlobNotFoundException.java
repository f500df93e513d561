package io.berth.storage.content;

import io.berth.protocol.oci.image.Digest;

/** No committed blob with this digest is in the store. */
public final class BlobNotFoundException extends StoreException {

    private final transient Digest digest;

    public BlobNotFoundException(Digest digest) {
        super("blob " + digest + " is not in the content store (pull or import the image that contains it)");
        this.digest = digest;
    }

    public Digest digest() {
        return digest;
    }
}
