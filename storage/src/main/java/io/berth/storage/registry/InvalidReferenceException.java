package io.berth.storage.registry;

/** An image reference that cannot be parsed; the message names the reference and what is wrong with it. */
public final class InvalidReferenceException extends IllegalArgumentException {

    private final String reference;

    public InvalidReferenceException(String reference, String problem) {
        super("invalid image reference '" + reference + "': " + problem);
        this.reference = reference;
    }

    /** The text that failed to parse. */
    public String reference() {
        return reference;
    }
}
