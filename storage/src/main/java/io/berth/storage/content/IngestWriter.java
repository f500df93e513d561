package io.berth.storage.content;

import io.berth.protocol.oci.image.Descriptor;
import io.berth.protocol.oci.image.Digest;
import io.berth.protocol.oci.image.OciJson;
import io.berth.storage.content.LocalContentStore.IngestMeta;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;

/** The {@link BlobWriter} of {@link LocalContentStore}: appends to {@code ingest/<id>/data}, hashing as it goes. */
final class IngestWriter implements BlobWriter {

    private final LocalContentStore store;
    private final String ref;
    private final Path dir;
    private final Path data;
    private final Descriptor expected;
    private final List<String> lockKeys;
    private final MessageDigest digest;
    private FileChannel channel;
    private long offset;
    private boolean closed;

    IngestWriter(LocalContentStore store, String ref, Path dir, Descriptor expected, List<String> lockKeys) throws IOException {
        this.store = store;
        this.ref = ref;
        this.dir = dir;
        this.data = dir.resolve(LocalContentStore.DATA);
        this.expected = expected;
        this.lockKeys = lockKeys;
        this.digest = expected != null ? expected.digest().newMessageDigest() : Digest.newSha256();
        IngestMeta meta = new IngestMeta(ref, expected == null ? null : expected.digest(),
                expected == null ? -1 : expected.size(), expected == null ? null : expected.mediaType());
        try {
            Optional<IngestMeta> previous = LocalContentStore.readMeta(dir);
            if (previous.isPresent() && !previous.get().equals(meta)) {
                // Same ref, different content expected: the old partial data is useless.
                LocalContentStore.deleteTree(dir);
            }
            Files.createDirectories(dir);
            if (previous.isEmpty() || !previous.get().equals(meta)) {
                Files.write(dir.resolve(LocalContentStore.META), OciJson.write(meta));
            }
            channel = FileChannel.open(data, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
            offset = channel.size();
            rehash(offset);
            channel.position(offset);
        } catch (IOException e) {
            if (channel != null) {
                channel.close();
            }
            if (LocalContentStore.isNoSpace(e)) {
                LocalContentStore.deleteTree(dir);
                throw new StoreFullException("ingest '" + ref + "'", dir, e);
            }
            throw e;
        }
    }

    @Override
    public String ref() {
        return ref;
    }

    @Override
    public long offset() {
        return offset;
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void truncate(long size) throws IOException {
        ensureOpen();
        if (size < 0 || size > offset) {
            throw new IllegalArgumentException("truncate ingest '" + ref + "' to " + size + ": must be between 0 and " + offset);
        }
        channel.truncate(size);
        offset = size;
        rehash(size);
        channel.position(size);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        ensureOpen();
        ByteBuffer view = src.duplicate();
        int n = 0;
        try {
            while (src.hasRemaining()) {
                n += channel.write(src);
            }
        } catch (IOException e) {
            throw failed(e);
        }
        view.limit(view.position() + n);
        digest.update(view);
        offset += n;
        return n;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        write(ByteBuffer.wrap(b, off, len));
    }

    @Override
    public OutputStream asOutputStream() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                IngestWriter.this.write(new byte[]{(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                IngestWriter.this.write(b, off, len);
            }
        };
    }

    @Override
    public BlobInfo commit(long expectedSize, Digest expectedDigest) throws IOException {
        ensureOpen();
        try {
            channel.force(true);
            channel.close();
            String what = "ingest '" + ref + "'";
            long wantSize = expectedSize >= 0 ? expectedSize : expected != null ? expected.size() : -1;
            if (expected != null && expectedSize >= 0 && expected.size() != expectedSize) {
                throw new IllegalArgumentException(what + ": commit size " + expectedSize + " differs from the expected descriptor's " + expected.size());
            }
            if (wantSize >= 0 && wantSize != offset) {
                throw new BlobVerificationException(what, BlobVerificationException.Kind.SIZE, wantSize + " bytes", offset + " bytes");
            }
            Digest want = expectedDigest != null ? expectedDigest : expected != null ? expected.digest() : null;
            if (expected != null && expectedDigest != null && !expected.digest().equals(expectedDigest)) {
                throw new IllegalArgumentException(what + ": commit digest " + expectedDigest + " differs from the expected descriptor's " + expected.digest());
            }
            if (want != null && !want.algorithm().equals(algorithm())) {
                throw new IllegalArgumentException(what + ": commit digest " + want + " uses another algorithm than this ingest (" + algorithm() + ")");
            }
            byte[] raw = digest.digest();
            Digest actual = want != null && want.algorithm().equals("sha512")
                    ? new Digest("sha512", java.util.HexFormat.of().formatHex(raw)) : Digest.fromSha256(raw);
            if (want != null && !want.equals(actual)) {
                throw new BlobVerificationException(what, BlobVerificationException.Kind.DIGEST, want.toString(), actual.toString());
            }
            Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("r--r--r--"));
            BlobInfo info = store.publish(data, actual, offset, expected == null ? null : expected.mediaType());
            LocalContentStore.deleteTree(dir);
            return info;
        } catch (IOException | RuntimeException e) {
            LocalContentStore.deleteTree(dir);
            if (LocalContentStore.isNoSpace(e)) {
                throw new StoreFullException("committing ingest '" + ref + "'", dir, e);
            }
            throw e;
        } finally {
            release();
        }
    }

    @Override
    public void abort() throws IOException {
        if (closed) {
            return;
        }
        try {
            channel.close();
            LocalContentStore.deleteTree(dir);
        } finally {
            release();
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            channel.close();
        } finally {
            release();
        }
    }

    private String algorithm() {
        return expected != null ? expected.digest().algorithm() : "sha256";
    }

    private void ensureOpen() throws ClosedChannelException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    private void release() {
        if (!closed) {
            closed = true;
            store.release(lockKeys);
        }
    }

    /** On a full disk the ingest is deleted (nothing half-written stays) and the writer closed. */
    private IOException failed(IOException e) throws IOException {
        if (LocalContentStore.isNoSpace(e)) {
            try {
                channel.close();
                LocalContentStore.deleteTree(dir);
            } finally {
                release();
            }
            return new StoreFullException("writing ingest '" + ref + "'", dir, e);
        }
        return e;
    }

    /** Recomputes the running digest over the first {@code size} bytes already in the ingest (resume). */
    private void rehash(long size) throws IOException {
        digest.reset();
        if (size == 0) {
            return;
        }
        try (InputStream in = Channels.newInputStream(FileChannel.open(data, StandardOpenOption.READ))) {
            byte[] buf = new byte[1 << 16];
            long left = size;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    break;
                }
                digest.update(buf, 0, n);
                left -= n;
            }
        }
    }
}
