package io.berth.storage.image;

import io.berth.storage.content.StoreException;

/** No image with this name is in the local store. */
public final class ImageNotFoundException extends StoreException {

    private final String name;

    public ImageNotFoundException(String name) {
        super("image '" + name + "' is not in the local store (pull or import it first; `berth image ls` lists what is)");
        this.name = name;
    }

    public String name() {
        return name;
    }
}
