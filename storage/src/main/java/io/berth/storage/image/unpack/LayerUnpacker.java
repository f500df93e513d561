package io.berth.storage.image.unpack;

import com.github.luben.zstd.ZstdInputStream;
import io.berth.protocol.oci.image.Digest;
import io.berth.storage.content.BlobVerificationException;
import io.berth.storage.content.LocalContentStore;
import io.berth.storage.content.StoreFullException;
import io.berth.storage.image.InvalidImageException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Applies one layer tar (plain, gzip or zstd, recognised by its magic bytes) to an empty directory, the
 * way overlayfs expects a lower layer: a whiteout {@code .wh.name} becomes a 0/0 character device
 * {@code name}, an opaque marker {@code .wh..wh..opq} becomes {@code trusted.overlay.opaque=y} on its
 * directory. Each layer is unpacked alone into its own directory (as Docker's overlay2 driver does), so a
 * snapshot is shared by every image with the same chain and never copies its parent.
 *
 * <p>Modes (with setuid/setgid/sticky), ownership, mtimes, xattrs, hard links, symlinks, devices and fifos
 * are kept. Nothing is ever written outside the directory: every entry's path is resolved component by
 * component with {@code lstat}, and an absolute name, a {@code ..}, a component that is a symbolic link, a
 * hard link to outside or to a directory, a whiteout naming {@code .}/{@code ..}, or a non-directory entry
 * naming the root itself is refused with {@link UnsafeLayerException}. Checking then acting is sound here
 * because the directory is private to this unpack (not yet a snapshot, never mounted): no one else can
 * swap a component between the check and the write — the race behind CVE-2018-15664 needs a live container.
 *
 * <p>The diffID (sha256 of the uncompressed tar, including its end padding) is computed while reading and
 * checked at the end. On any failure the caller deletes the directory. Not thread-safe; one per layer.
 */
public final class LayerUnpacker {

    private static final Logger log = LoggerFactory.getLogger(LayerUnpacker.class);
    private static final String WHITEOUT = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";
    private static final String XATTR_PAX = "SCHILY.xattr.";
    private static final byte[] OPAQUE_VALUE = {'y'};

    private final Path root;
    private final String layer;
    private final List<DirTime> dirTimes = new ArrayList<>();
    private TarStream tarBytes;
    private long size;
    private int entries;

    private LayerUnpacker(Path root, String layer) {
        this.root = root;
        this.layer = layer;
    }

    /**
     * Unpacks {@code blob} into {@code root} (an existing, empty directory) and verifies the diffID.
     *
     * @param blob           the layer as stored (compressed or not); not closed
     * @param expectedDiffId the config's diffID for this layer, or null to accept any (creating an image)
     * @param layer          names the layer in errors, e.g. {@code layer 2 (sha256:…) of busybox:1}
     * @throws UnsafeLayerException        for an entry that would escape {@code root}
     * @throws BlobVerificationException   when the diffID differs
     * @throws InvalidImageException       when the data is not a tar or is truncated
     * @throws StoreFullException          when the disk fills up
     */
    public static UnpackResult unpack(InputStream blob, Path root, Digest expectedDiffId, String layer) throws IOException {
        return new LayerUnpacker(root, layer).run(blob, expectedDiffId);
    }

    /** Opens the uncompressed tar stream of a layer blob, recognising gzip and zstd by their magic bytes. */
    public static InputStream decompress(InputStream blob) throws IOException {
        BufferedInputStream in = new BufferedInputStream(blob, 1 << 16);
        in.mark(4);
        byte[] magic = in.readNBytes(4);
        in.reset();
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
        }
        if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
            return new BufferedInputStream(new ZstdInputStream(in), 1 << 16);
        }
        return in;
    }

    private UnpackResult run(InputStream blob, Digest expectedDiffId) throws IOException {
        MessageDigest md = expectedDiffId != null ? expectedDiffId.newMessageDigest() : Digest.newSha256();
        try {
            tarBytes = new TarStream(decompress(blob), md);
            TarArchiveInputStream tar = new TarArchiveInputStream(tarBytes);
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                apply(tar, entry);
                entries++;
            }
            // The diffID covers the whole stream, end-of-archive blocks and padding included.
            tarBytes.transferTo(OutputStream.nullOutputStream());
            for (int i = dirTimes.size() - 1; i >= 0; i--) {
                DirTime d = dirTimes.get(i);
                Native.lutimes(d.dir, d.time.getEpochSecond(), d.time.getNano());
            }
            Native.syncfs(root);
        } catch (UnsafeLayerException | StoreFullException e) {
            throw e;
        } catch (IOException e) {
            if (LocalContentStore.isNoSpace(e)) {
                throw new StoreFullException("unpacking " + layer, root, e);
            }
            if (e instanceof InvalidImageException) {
                throw e;
            }
            if (isCorruptData(e)) {
                throw new InvalidImageException(layer + ": cannot unpack: " + e.getMessage()
                        + " (the layer is truncated or corrupt; remove the image and pull it again)", e);
            }
            throw new io.berth.storage.content.StoreException(layer + ": cannot unpack: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new InvalidImageException(layer + ": malformed tar: " + e.getMessage(), e);
        }
        Digest actual = expectedDiffId != null && expectedDiffId.algorithm().equals("sha512")
                ? new Digest("sha512", java.util.HexFormat.of().formatHex(md.digest())) : Digest.fromSha256(md.digest());
        if (expectedDiffId != null && !expectedDiffId.equals(actual)) {
            throw new BlobVerificationException(layer + " diffID", BlobVerificationException.Kind.DIGEST,
                    expectedDiffId.toString(), actual.toString());
        }
        return new UnpackResult(actual, size, entries);
    }

    private void apply(TarArchiveInputStream tar, TarArchiveEntry e) throws IOException {
        String name = e.getName();
        List<String> parts = components(name, name);
        String base = parts.isEmpty() ? "" : parts.get(parts.size() - 1);
        if (base.startsWith(WHITEOUT)) {
            applyWhiteout(name, parts, base);
            return;
        }
        boolean directory = isDirectory(e);
        if (parts.isEmpty()) {
            if (directory) {
                // "./" is common at the start of tars; the snapshot root's own attributes are not the layer's to set.
                return;
            }
            throw new UnsafeLayerException(layer, name, "it names the snapshot root itself");
        }
        Path parent = mkdirs(name, parts.subList(0, parts.size() - 1));
        Path target = parent.resolve(base);
        BasicFileAttributes existing = lstat(target);
        if (directory) {
            if (existing == null || !existing.isDirectory()) {
                if (existing != null) {
                    Files.delete(target);
                }
                Files.createDirectory(target);
            }
            setMetadata(target, e, false);
            dirTimes.add(new DirTime(target, e.getLastModifiedTime().toInstant()));
            return;
        }
        if (existing != null) {
            LocalContentStore.deleteTree(target);
        }
        if (e.isLink()) {
            Path source = resolveExisting(name, e.getLinkName());
            Files.createLink(target, source);
            return;
        }
        if (e.isSymbolicLink()) {
            if (e.getLinkName().isEmpty()) {
                throw new InvalidImageException(layer + ": entry '" + name + "': symbolic link with an empty target");
            }
            // The target is only text here; it is never followed while unpacking.
            Files.createSymbolicLink(target, Path.of(e.getLinkName()));
            setMetadata(target, e, true);
            return;
        }
        if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
            int type = e.isCharacterDevice() ? Native.S_IFCHR : e.isBlockDevice() ? Native.S_IFBLK : Native.S_IFIFO;
            Native.mknod(target, type, e.getMode(), e.getDevMajor(), e.getDevMinor());
            setMetadata(target, e, false);
            return;
        }
        if (e.isFile()) {
            writeFile(tar, target);
            setMetadata(target, e, false);
            return;
        }
        log.debug("{}: skipping entry '{}' of unsupported tar type {}", layer, name, (char) e.getLinkFlag());
    }

    private void writeFile(InputStream tar, Path target) throws IOException {
        // CREATE_NEW is O_CREAT|O_EXCL: it never follows a symbolic link that might be in the way.
        try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] buf = new byte[1 << 17];
            int n;
            while ((n = tar.read(buf)) > 0) {
                ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                while (b.hasRemaining()) {
                    out.write(b);
                }
                size += n;
            }
        }
    }

    private void applyWhiteout(String name, List<String> parts, String base) throws IOException {
        Path parent = mkdirs(name, parts.subList(0, parts.size() - 1));
        if (base.equals(OPAQUE)) {
            Native.lsetxattr(parent, "trusted.overlay.opaque", OPAQUE_VALUE);
            return;
        }
        if (base.startsWith(WHITEOUT + WHITEOUT)) {
            // aufs bookkeeping (.wh..wh.plnk and the like): meaningless for overlayfs.
            return;
        }
        String hidden = base.substring(WHITEOUT.length());
        if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
            throw new UnsafeLayerException(layer, name, "the whiteout names '" + hidden + "', a parent or the directory itself");
        }
        Path target = parent.resolve(hidden);
        if (lstat(target) != null) {
            LocalContentStore.deleteTree(target);
        }
        Native.mknod(target, Native.S_IFCHR, 0, 0, 0);
    }

    /**
     * Resolves the directories of {@code dirs} under the root, creating missing ones (0755, root-owned, as
     * tar does), refusing a component that is a symbolic link or not a directory.
     */
    private Path mkdirs(String name, List<String> dirs) throws IOException {
        Path cur = root;
        for (String c : dirs) {
            Path next = cur.resolve(c);
            BasicFileAttributes a = lstat(next);
            if (a == null) {
                Files.createDirectory(next);
            } else if (a.isSymbolicLink()) {
                throw new UnsafeLayerException(layer, name, "path component '" + root.relativize(next)
                        + "' is a symbolic link; writing through it could leave the snapshot");
            } else if (!a.isDirectory()) {
                throw new UnsafeLayerException(layer, name, "path component '" + root.relativize(next) + "' is not a directory");
            }
            cur = next;
        }
        return cur;
    }

    /** Resolves a hard link's target: it must exist in this layer, inside the root, and not be a directory. */
    private Path resolveExisting(String name, String linkName) throws IOException {
        List<String> parts = components(name, linkName);
        if (parts.isEmpty()) {
            throw new UnsafeLayerException(layer, name, "the hard link points to the snapshot root");
        }
        Path cur = root;
        for (int i = 0; i < parts.size(); i++) {
            cur = cur.resolve(parts.get(i));
            BasicFileAttributes a = lstat(cur);
            if (a == null) {
                throw new InvalidImageException(layer + ": entry '" + name + "': hard link target '" + linkName
                        + "' is not in this layer (a link must follow its target in the same layer)");
            }
            boolean last = i == parts.size() - 1;
            if (!last && a.isSymbolicLink()) {
                throw new UnsafeLayerException(layer, name, "hard link target '" + linkName + "' goes through the symbolic link '"
                        + root.relativize(cur) + "'");
            }
            if (last && a.isDirectory()) {
                throw new UnsafeLayerException(layer, name, "hard link target '" + linkName + "' is a directory");
            }
        }
        return cur;
    }

    /**
     * Splits a tar name into its components, dropping empty and {@code .} ones; an absolute name or a
     * {@code ..} is refused.
     */
    private List<String> components(String entry, String name) throws UnsafeLayerException {
        if (name.startsWith("/")) {
            throw new UnsafeLayerException(layer, entry, "absolute name '" + name + "'");
        }
        if (name.indexOf('\0') >= 0) {
            throw new UnsafeLayerException(layer, entry, "name contains a NUL byte");
        }
        List<String> parts = new ArrayList<>();
        for (String c : name.split("/")) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                throw new UnsafeLayerException(layer, entry, "'..' in '" + name + "'");
            }
            parts.add(c);
        }
        return parts;
    }

    private void setMetadata(Path target, TarArchiveEntry e, boolean symlink) throws IOException {
        Native.lchown(target, (int) e.getLongUserId(), (int) e.getLongGroupId());
        if (!symlink) {
            // After chown: chown clears setuid/setgid.
            Native.chmod(target, e.getMode());
        }
        Map<String, byte[]> raw = tarBytes.xattrs(e);
        if (raw != null) {
            for (Map.Entry<String, byte[]> x : raw.entrySet()) {
                setXattr(target, e.getName(), x.getKey(), x.getValue());
            }
        } else {
            for (Map.Entry<String, String> h : e.getExtraPaxHeaders().entrySet()) {
                if (h.getKey().startsWith(XATTR_PAX)) {
                    String value = h.getValue();
                    if (value.indexOf('\uFFFD') >= 0) {
                        // commons-compress decoded a binary value as UTF-8: writing it would set a wrong value.
                        log.warn("{}: entry '{}': skipping xattr {} whose binary value cannot be read", layer, e.getName(), h.getKey());
                        continue;
                    }
                    setXattr(target, e.getName(), h.getKey().substring(XATTR_PAX.length()), value.getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        if (!isDirectory(e)) {
            FileTime t = e.getLastModifiedTime();
            Native.lutimes(target, t.toInstant().getEpochSecond(), t.toInstant().getNano());
        }
    }

    private void setXattr(Path target, String entry, String xattr, byte[] value) throws IOException {
        if (xattr.startsWith("trusted.overlay.")) {
            throw new UnsafeLayerException(layer, entry, "it sets the overlayfs xattr " + xattr);
        }
        Native.lsetxattr(target, xattr, value);
    }

    /** Failures of the data itself, as opposed to the file system it is written to. */
    private static boolean isCorruptData(IOException e) {
        String m = String.valueOf(e.getMessage());
        return e instanceof java.io.EOFException || e instanceof java.util.zip.ZipException
                || e.getClass().getName().startsWith("com.github.luben.zstd")
                || e.getClass().getName().startsWith("org.apache.commons.compress")
                || m.contains("Truncated") || m.contains("truncated") || m.contains("header");
    }

    /**
     * commons-compress calls any entry whose name ends in '/' a directory, a symlink or link included;
     * only a directory type flag (or an old-style plain entry with a trailing '/') is one here.
     */
    private static boolean isDirectory(TarArchiveEntry e) {
        byte flag = e.getLinkFlag();
        return flag == TarConstants.LF_DIR || ((flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM) && e.getName().endsWith("/"));
    }

    private static BasicFileAttributes lstat(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
    }

    private record DirTime(Path dir, java.time.Instant time) {
    }
}
