package io.berth.storage.content;

import io.berth.protocol.oci.image.Digest;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * One open ingest: content streamed into {@code ingest/} that becomes a blob only on a successful
 * {@link #commit}. A writer belongs to one thread at a time; while it is open no other writer can open
 * the same ref or the same expected digest.
 *
 * <p>Lifecycle: {@link BlobIngester#writer} → {@link #offset()} (non-zero when resuming an interrupted
 * ingest: continue the download from there, e.g. with an HTTP {@code Range}, or {@link #truncate} to 0) →
 * {@code write}… → {@link #commit}. {@link #close()} without commit keeps what was written for a later
 * resume; {@link #abort()} throws it away.
 */
public interface BlobWriter extends WritableByteChannel {

    /** The ref this ingest is keyed by, e.g. {@code pull-sha256:ab…}. */
    String ref();

    /** How many bytes the ingest holds; the next write appends at this offset. */
    long offset();

    /**
     * Cuts the ingest back to {@code size} bytes (0 to restart), when the source cannot resume from
     * {@link #offset()}. The running digest is recomputed from what remains.
     *
     * @throws IllegalArgumentException when {@code size} is negative or above {@link #offset()}
     */
    void truncate(long size) throws IOException;

    /**
     * Appends. A full disk throws {@link StoreFullException}, deletes the ingest and closes this writer, so
     * nothing half-written stays behind.
     */
    @Override
    int write(ByteBuffer src) throws IOException;

    /** Appends {@code len} bytes of {@code b} from {@code off}. */
    void write(byte[] b, int off, int len) throws IOException;

    /** This writer as an {@link OutputStream}; closing the stream does not commit. */
    OutputStream asOutputStream();

    /**
     * Verifies and publishes the content: fsync the data, check the size and the digest, rename it into
     * {@code blobs/<alg>/<hex>}, fsync the directory, record it in the index. <b>Always closes this writer,
     * even on failure.</b>
     *
     * @param expectedSize   the size the content must have, or -1 to accept any
     * @param expectedDigest the digest the content must have, or null to accept the computed one (when
     *                       creating content locally); if the writer was opened with an expected
     *                       descriptor, its digest and size are checked as well
     * @return the committed blob; if the same digest was committed meanwhile by someone else, that blob
     * @throws BlobVerificationException on a size or digest mismatch; the ingest is deleted
     * @throws StoreFullException        when the disk fills up; the ingest is deleted
     */
    BlobInfo commit(long expectedSize, Digest expectedDigest) throws IOException;

    /** Closes this writer and deletes its ingest. Idempotent. */
    void abort() throws IOException;

    /** Releases this writer, keeping the ingest for a later resume. Idempotent. */
    @Override
    void close() throws IOException;
}
