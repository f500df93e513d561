package io.berth.storage.image;

import io.berth.protocol.oci.image.Descriptor;
import io.berth.protocol.oci.image.Digest;
import io.berth.protocol.oci.image.ImageConfig;
import io.berth.protocol.oci.image.Manifest;
import io.berth.protocol.oci.image.MediaTypes;
import io.berth.protocol.oci.image.OciJson;
import io.berth.protocol.oci.image.Platform;
import io.berth.storage.content.BlobExistsException;
import io.berth.storage.content.BlobInfo;
import io.berth.storage.content.BlobWriter;
import io.berth.storage.content.Lease;
import io.berth.storage.content.LocalContentStore;
import io.berth.storage.image.unpack.LayerUnpacker;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Builds a one-layer image (gzip layer, OCI manifest) from a root file system directory or a tar of one,
 * for this store's platform. A directory is archived in sorted order with modes, ownership, mtimes
 * (seconds), symlinks, hard links, devices and fifos, so the same tree gives the same digests.
 */
final class ImageBuilder {

    private static final Duration WAIT = Duration.ofMinutes(10);

    private final LocalContentStore content;
    private final Lease lease;
    private final Platform platform;
    private final Clock clock;

    ImageBuilder(LocalContentStore content, Lease lease, Platform platform, Clock clock) {
        this.content = content;
        this.lease = lease;
        this.platform = platform;
        this.clock = clock;
    }

    /** Writes layer, config and manifest blobs; returns the manifest's descriptor. */
    Descriptor build(Path rootfs, ImageConfig.ExecConfig defaults) throws IOException {
        if (!Files.exists(rootfs)) {
            throw new java.nio.file.NoSuchFileException(rootfs.toString(), null, "root file system to build an image from does not exist");
        }
        MessageDigest diff = Digest.newSha256();
        BlobInfo layer;
        BlobWriter writer = content.writer("create-" + UUID.randomUUID(), null, WAIT);
        try {
            try (OutputStream gz = new FastGzip(writer.asOutputStream());
                 DigestOutputStream tar = new DigestOutputStream(gz, diff)) {
                if (Files.isDirectory(rootfs)) {
                    writeTar(rootfs, tar);
                } else {
                    try (InputStream in = LayerUnpacker.decompress(Files.newInputStream(rootfs))) {
                        in.transferTo(tar);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            writer.abort();
            throw e;
        }
        layer = writer.commit(-1, null);
        lease.addBlob(layer.digest());
        Digest diffId = Digest.fromSha256(diff.digest());
        String created = DateTimeFormatter.ISO_INSTANT.format(clock.instant());
        ImageConfig config = new ImageConfig(created, null, platform.architecture(), platform.os(), platform.variant(), defaults,
                new ImageConfig.RootFs("layers", List.of(diffId)),
                List.of(new ImageConfig.History(created, "berth image create " + rootfs.getFileName(), null, null, null)));
        Descriptor configDesc = putDocument(OciJson.write(config), MediaTypes.OCI_CONFIG);
        Manifest manifest = new Manifest(2, MediaTypes.OCI_MANIFEST, null, configDesc,
                List.of(Descriptor.of(MediaTypes.OCI_LAYER_GZIP, layer.digest(), layer.size())), null, Map.of());
        return putDocument(OciJson.write(manifest), MediaTypes.OCI_MANIFEST);
    }

    /** Stores a small document (config, manifest, index) and returns its descriptor. */
    static Descriptor putDocument(LocalContentStore content, Lease lease, byte[] bytes, String mediaType) throws IOException {
        Descriptor d = Descriptor.of(mediaType, Digest.sha256(bytes), bytes.length);
        lease.addBlob(d.digest());
        try (BlobWriter w = content.writer("doc-" + d.digest(), d, WAIT)) {
            w.truncate(0);
            w.write(bytes, 0, bytes.length);
            w.commit(bytes.length, d.digest());
        } catch (BlobExistsException e) {
            // already stored: nothing to write
        }
        return d;
    }

    private Descriptor putDocument(byte[] bytes, String mediaType) throws IOException {
        return putDocument(content, lease, bytes, mediaType);
    }

    private static void writeTar(Path root, OutputStream out) throws IOException {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        Map<String, String> inodes = new HashMap<>();
        List<Path> paths;
        try (Stream<Path> s = Files.walk(root)) {
            paths = s.filter(p -> !p.equals(root)).sorted().toList();
        }
        for (Path p : paths) {
            String name = root.relativize(p).toString();
            Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) a.get("mode");
            int type = mode & 0170000;
            TarArchiveEntry e;
            boolean content = false;
            String inode = a.get("dev") + ":" + a.get("ino");
            if (type == 0040000) {
                e = new TarArchiveEntry(name + "/", TarConstants.LF_DIR, true);
            } else if (type == 0100000 && (Integer) a.get("nlink") > 1 && inodes.containsKey(inode)) {
                e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
                e.setLinkName(inodes.get(inode));
            } else if (type == 0100000) {
                inodes.putIfAbsent(inode, name);
                e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
                e.setSize((Long) a.get("size"));
                content = true;
            } else if (type == 0120000) {
                e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
                e.setLinkName(Files.readSymbolicLink(p).toString());
            } else if (type == 0020000 || type == 0060000) {
                e = new TarArchiveEntry(name, type == 0020000 ? TarConstants.LF_CHR : TarConstants.LF_BLK, true);
                long rdev = (Long) a.get("rdev");
                e.setDevMajor((int) (((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfffL)));
                e.setDevMinor((int) ((rdev & 0xff) | ((rdev >> 12) & ~0xffL)));
            } else if (type == 0010000) {
                e = new TarArchiveEntry(name, TarConstants.LF_FIFO, true);
            } else {
                continue; // sockets are not file system content
            }
            e.setMode(mode & 07777);
            e.setUserId((Integer) a.get("uid"));
            e.setGroupId((Integer) a.get("gid"));
            e.setModTime(FileTime.fromMillis(((FileTime) a.get("lastModifiedTime")).toMillis() / 1000 * 1000));
            tar.putArchiveEntry(e);
            if (content) {
                try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
                    in.transferTo(tar);
                }
            }
            tar.closeArchiveEntry();
        }
        tar.finish();
    }

    /** gzip at the fastest level: layer creation is bound by deflate, and the size difference is small. */
    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(OutputStream out) throws IOException {
            super(out, 1 << 16);
            def.setLevel(Deflater.BEST_SPEED);
        }
    }
}
