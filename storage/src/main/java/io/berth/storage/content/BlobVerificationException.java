package io.berth.storage.content;

/**
 * Content did not match what was expected of it: its size ({@link Kind#SIZE}), its digest
 * ({@link Kind#DIGEST}) or its media type ({@link Kind#MEDIA_TYPE}). When thrown by a commit, the ingest
 * has been deleted, so a retry starts from zero.
 */
public final class BlobVerificationException extends StoreException {

    /** Which property of the content was wrong. */
    public enum Kind { SIZE, DIGEST, MEDIA_TYPE }

    private final Kind kind;
    private final String expected;
    private final String actual;

    /**
     * @param what names the content, e.g. {@code ingest pull-sha256:ab…} or {@code layer 2 of busybox:1}
     */
    public BlobVerificationException(String what, Kind kind, String expected, String actual) {
        super(what + ": " + kind.name().toLowerCase().replace('_', ' ') + " mismatch: expected " + expected
                + ", got " + actual + " (the source sent corrupt or different content; nothing was stored)");
        this.kind = kind;
        this.expected = expected;
        this.actual = actual;
    }

    public Kind kind() {
        return kind;
    }

    public String expected() {
        return expected;
    }

    public String actual() {
        return actual;
    }
}
