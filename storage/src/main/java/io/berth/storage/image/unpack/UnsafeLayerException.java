package io.berth.storage.image.unpack;

import io.berth.storage.image.InvalidImageException;

/**
 * A layer entry would write outside its snapshot directory, or onto the directory itself: an absolute
 * name, a {@code ..} component, a path through a symbolic link, a hard link to outside, a whiteout naming a
 * parent. The layer is refused and nothing of it is kept.
 */
public final class UnsafeLayerException extends InvalidImageException {

    public UnsafeLayerException(String layer, String entry, String why) {
        super(layer + ": entry '" + entry + "' refused: " + why
                + " (the layer is malformed or malicious; it was not unpacked)");
    }
}
