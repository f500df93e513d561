package io.berth.storage.image;

import com.github.luben.zstd.ZstdOutputStream;
import io.berth.protocol.oci.image.Digest;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;

/** Builds layer tars for tests, including malicious ones that no well-behaved tool would write. */
public final class Tars {

    public static final Instant MTIME = Instant.parse("2021-06-01T12:00:00Z");

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

    public Tars() {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    public Tars dir(String name, int mode) {
        return add(new TarArchiveEntry(name + "/", TarConstants.LF_DIR, true), mode, null, e -> { });
    }

    public Tars file(String name, String content, int mode) {
        return file(name, content, mode, e -> { });
    }

    public Tars file(String name, String content, int mode, Consumer<TarArchiveEntry> more) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), mode, more);
    }

    public Tars file(String name, byte[] data, int mode, Consumer<TarArchiveEntry> more) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
        e.setSize(data.length);
        return add(e, mode, data, more);
    }

    public Tars symlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
        e.setLinkName(target);
        return add(e, 0777, null, x -> { });
    }

    public Tars hardlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
        e.setLinkName(target);
        return add(e, 0644, null, x -> { });
    }

    public Tars device(String name, boolean block, int major, int minor, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name, block ? TarConstants.LF_BLK : TarConstants.LF_CHR, true);
        e.setDevMajor(major);
        e.setDevMinor(minor);
        return add(e, mode, null, x -> { });
    }

    public Tars fifo(String name, int mode) {
        return add(new TarArchiveEntry(name, TarConstants.LF_FIFO, true), mode, null, x -> { });
    }

    private Tars add(TarArchiveEntry e, int mode, byte[] data, Consumer<TarArchiveEntry> more) {
        e.setMode(mode);
        e.setModTime(FileTime.from(MTIME));
        more.accept(e);
        try {
            tar.putArchiveEntry(e);
            if (data != null) {
                tar.write(data);
            }
            tar.closeArchiveEntry();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        return this;
    }

    /** The uncompressed tar. */
    public byte[] tar() {
        try {
            tar.finish();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        return bytes.toByteArray();
    }

    public static byte[] gzip(byte[] tar) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(tar);
        }
        return out.toByteArray();
    }

    public static byte[] zstd(byte[] tar) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = new ZstdOutputStream(out)) {
            z.write(tar);
        }
        return out.toByteArray();
    }

    public static Digest diffId(byte[] tar) {
        return Digest.sha256(tar);
    }
}
