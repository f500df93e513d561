package io.berth.storage.image;

import io.berth.protocol.oci.image.Descriptor;
import io.berth.protocol.oci.image.ImageIndex;
import io.berth.protocol.oci.image.ImageLayout;
import io.berth.protocol.oci.image.Manifest;
import io.berth.protocol.oci.image.MediaTypes;
import io.berth.protocol.oci.image.OciJson;
import io.berth.storage.content.BlobExistsException;
import io.berth.storage.content.BlobWriter;
import io.berth.storage.content.Lease;
import io.berth.storage.content.LocalContentStore;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Import and export of OCI image layouts (image-spec {@code image-layout.md}), as a directory or a tar.
 * A tar is first extracted into a private directory of the store (only {@code oci-layout},
 * {@code index.json} and {@code blobs/<alg>/<hex>} are taken from it), so both go through one path.
 * Every blob is copied through a verifying ingest.
 */
final class OciLayouts {

    /** containerd's annotation for the full image name in a layout. */
    static final String CONTAINERD_NAME = "io.containerd.image.name";
    private static final Pattern BLOB = Pattern.compile("(?:\\./)?blobs/(sha256|sha512)/([0-9a-f]+)");
    private static final Duration WAIT = Duration.ofMinutes(10);

    private final LocalImageStore store;
    private final LocalContentStore content;
    private final Lease lease;

    OciLayouts(LocalImageStore store, Lease lease) {
        this.store = store;
        this.content = store.localContent();
        this.lease = lease;
    }

    List<Image> importLayout(Path layout, String repository) throws IOException {
        if (Files.isDirectory(layout)) {
            return importDirectory(layout, repository);
        }
        if (!Files.isRegularFile(layout)) {
            throw new java.nio.file.NoSuchFileException(layout.toString(), null, "no OCI layout directory or tar here");
        }
        Path tmp = Files.createTempDirectory(store.root(), LocalImageStore.IMPORT_PREFIX);
        try {
            extract(layout, tmp);
            return importDirectory(tmp, repository);
        } finally {
            LocalContentStore.deleteTree(tmp);
        }
    }

    private List<Image> importDirectory(Path dir, String repository) throws IOException {
        Path marker = dir.resolve(ImageLayout.FILE_NAME);
        if (!Files.isRegularFile(marker)) {
            throw new InvalidImageException("layout " + dir + ": no '" + ImageLayout.FILE_NAME
                    + "' file; this is not an OCI image layout");
        }
        ImageLayout version;
        try {
            version = OciJson.read(Files.readAllBytes(marker), ImageLayout.class, "layout " + marker);
        } catch (IllegalArgumentException e) {
            throw new InvalidImageException(e.getMessage(), e);
        }
        if (!ImageLayout.VERSION.equals(version.imageLayoutVersion())) {
            throw new InvalidImageException("layout " + marker + ": imageLayoutVersion '" + version.imageLayoutVersion()
                    + "' is not supported (expected " + ImageLayout.VERSION + ")");
        }
        Path indexFile = dir.resolve("index.json");
        if (!Files.isRegularFile(indexFile)) {
            throw new InvalidImageException("layout " + dir + ": no index.json");
        }
        ImageIndex index;
        try {
            index = OciJson.index(Files.readAllBytes(indexFile), "layout " + indexFile);
        } catch (IllegalArgumentException e) {
            throw new InvalidImageException(e.getMessage(), e);
        }
        Map<String, Descriptor> named = new LinkedHashMap<>();
        for (int i = 0; i < index.manifests().size(); i++) {
            Descriptor d = index.manifests().get(i);
            String where = "layout " + indexFile + " manifests[" + i + "]";
            String name = nameOf(d, repository, where);
            if (!MediaTypes.ACCEPTED_MANIFESTS.contains(d.mediaType())) {
                throw new InvalidImageException(where + ".mediaType: '" + d.mediaType() + "' is not a manifest or index");
            }
            copyTree(dir, d, true, 0);
            named.put(name, new Descriptor(d.mediaType(), d.digest(), d.size(), d.urls(), Map.of(), d.platform(), d.artifactType()));
        }
        if (named.isEmpty()) {
            throw new InvalidImageException("layout " + indexFile + ": lists no manifests");
        }
        // Check all before naming any, so a bad layout leaves no name behind.
        for (var e : named.entrySet()) {
            store.check(e.getKey(), e.getValue());
        }
        List<Image> images = new ArrayList<>();
        for (var e : named.entrySet()) {
            images.add(store.putImage(e.getKey(), e.getValue()));
        }
        return images;
    }

    private String nameOf(Descriptor d, String repository, String where) throws InvalidImageException {
        String full = d.annotations().get(CONTAINERD_NAME);
        String ref = d.annotations().get(Descriptor.REF_NAME);
        try {
            if (full != null) {
                return ImageNames.validate(full);
            }
            if (ref != null && (ref.contains("/") || ref.contains(":") || ref.contains("@"))) {
                // Not a bare tag (a tag has none of these): a full reference, as containerd and Berth write.
                return ImageNames.validate(ref);
            }
            if (repository == null) {
                throw new InvalidImageException(where + ": tagged '" + ref + "' without a repository; give one to import it under"
                        + " (e.g. example.com/demo)");
            }
            return ImageNames.validate(ref != null ? repository + ":" + ref : repository + "@" + d.digest());
        } catch (IllegalArgumentException e) {
            throw new InvalidImageException(where + ": " + e.getMessage(), e);
        }
    }

    /** Copies a document and what it refers to. Children of an index that the layout lacks are skipped. */
    private void copyTree(Path dir, Descriptor d, boolean required, int depth) throws IOException {
        if (depth > 4) {
            throw new InvalidImageException("layout " + dir + ": indexes nested deeper than 4");
        }
        if (!copyBlob(dir, d, required)) {
            return;
        }
        if (MediaTypes.isIndex(d.mediaType())) {
            ImageIndex idx = parse(() -> OciJson.index(content.readAll(d.digest(), store.options().maxDocument()), "index " + d.digest()));
            for (Descriptor child : idx.manifests()) {
                copyTree(dir, child, false, depth + 1);
            }
        } else if (MediaTypes.isManifest(d.mediaType())) {
            Manifest m = parse(() -> OciJson.manifest(content.readAll(d.digest(), store.options().maxDocument()), "manifest " + d.digest()));
            copyBlob(dir, m.config(), true);
            for (Descriptor layer : m.layers()) {
                copyBlob(dir, layer, true);
            }
        }
    }

    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    private static <T> T parse(IoSupplier<T> s) throws IOException {
        try {
            return s.get();
        } catch (IllegalArgumentException e) {
            throw new InvalidImageException(e.getMessage(), e);
        }
    }

    /** Copies one blob through a verifying ingest; false when it is absent and not required. */
    private boolean copyBlob(Path dir, Descriptor d, boolean required) throws IOException {
        lease.addBlob(d.digest());
        if (content.exists(d.digest())) {
            return true;
        }
        Path file = dir.resolve("blobs").resolve(d.digest().algorithm()).resolve(d.digest().hex());
        if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            if (required) {
                throw new InvalidImageException("layout " + dir + ": blob " + d.digest() + " (" + d.mediaType() + ") is missing");
            }
            return false;
        }
        try (BlobWriter w = content.writer("import-" + d.digest(), d, WAIT); InputStream in = Files.newInputStream(file)) {
            w.truncate(0);
            in.transferTo(w.asOutputStream());
            w.commit(d.size(), d.digest());
        } catch (BlobExistsException e) {
            // committed by someone else meanwhile
        }
        return true;
    }

    /** Takes only the three kinds of layout files out of a tar; every other entry is ignored. */
    private static void extract(Path tarFile, Path into) throws IOException {
        Files.createDirectories(into.resolve("blobs"));
        try (InputStream raw = Files.newInputStream(tarFile);
             TarArchiveInputStream tar = new TarArchiveInputStream(io.berth.storage.image.unpack.LayerUnpacker.decompress(raw))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (!e.isFile()) {
                    continue;
                }
                String name = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
                Path target;
                Matcher m = BLOB.matcher(name);
                if (name.equals(ImageLayout.FILE_NAME) || name.equals("index.json")) {
                    target = into.resolve(name);
                } else if (m.matches()) {
                    Files.createDirectories(into.resolve("blobs").resolve(m.group(1)));
                    target = into.resolve("blobs").resolve(m.group(1)).resolve(m.group(2));
                } else {
                    continue;
                }
                Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IllegalArgumentException e) {
            throw new InvalidImageException("layout tar " + tarFile + ": malformed: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- export

    void exportLayout(List<Image> images, Path target, boolean asTar) throws IOException {
        if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            boolean emptyDir = !asTar && Files.isDirectory(target) && isEmpty(target);
            if (!emptyDir) {
                throw new java.nio.file.FileAlreadyExistsException(target.toString(), null,
                        "export target exists; give a new path (or an empty directory)");
            }
            Files.delete(target);
        }
        Set<Descriptor> blobs = new LinkedHashSet<>();
        List<Descriptor> entries = new ArrayList<>();
        for (Image image : images) {
            collect(image.target(), blobs, 0);
            Map<String, String> ann = new HashMap<>();
            ann.put(CONTAINERD_NAME, image.name());
            int colon = image.name().lastIndexOf(':');
            if (!image.name().contains("@") && colon > image.name().lastIndexOf('/')) {
                ann.put(Descriptor.REF_NAME, image.name().substring(colon + 1));
            }
            entries.add(image.target().withAnnotations(ann));
        }
        byte[] indexJson = OciJson.write(new ImageIndex(2, MediaTypes.OCI_INDEX, entries, Map.of()));
        byte[] layoutJson = OciJson.write(ImageLayout.current());
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + System.nanoTime());
        try {
            if (asTar) {
                try (OutputStream out = Files.newOutputStream(tmp); TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
                    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                    addBytes(tar, ImageLayout.FILE_NAME, layoutJson);
                    addBytes(tar, "index.json", indexJson);
                    for (Descriptor d : blobs) {
                        TarArchiveEntry e = new TarArchiveEntry("blobs/" + d.digest().algorithm() + "/" + d.digest().hex());
                        e.setSize(d.size());
                        e.setMode(0644);
                        tar.putArchiveEntry(e);
                        try (InputStream in = content.open(d.digest(), 0)) {
                            in.transferTo(tar);
                        }
                        tar.closeArchiveEntry();
                    }
                    tar.finish();
                }
            } else {
                Files.createDirectories(tmp.resolve("blobs"));
                Files.write(tmp.resolve(ImageLayout.FILE_NAME), layoutJson);
                Files.write(tmp.resolve("index.json"), indexJson);
                for (Descriptor d : blobs) {
                    Path dir = tmp.resolve("blobs").resolve(d.digest().algorithm());
                    Files.createDirectories(dir);
                    try (InputStream in = content.open(d.digest(), 0)) {
                        Files.copy(in, dir.resolve(d.digest().hex()));
                    }
                }
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            LocalContentStore.deleteTree(tmp);
            throw e;
        }
    }

    /** Everything present under a target; children of an index that were not pulled are left out. */
    private void collect(Descriptor d, Set<Descriptor> blobs, int depth) throws IOException {
        if (depth > 4 || !content.exists(d.digest())) {
            return;
        }
        blobs.add(Descriptor.of(d.mediaType(), d.digest(), d.size()));
        if (MediaTypes.isIndex(d.mediaType())) {
            ImageIndex idx = parse(() -> OciJson.index(content.readAll(d.digest(), store.options().maxDocument()), "index " + d.digest()));
            for (Descriptor child : idx.manifests()) {
                collect(child, blobs, depth + 1);
            }
        } else if (MediaTypes.isManifest(d.mediaType())) {
            Manifest m = parse(() -> OciJson.manifest(content.readAll(d.digest(), store.options().maxDocument()), "manifest " + d.digest()));
            blobs.add(Descriptor.of(m.config().mediaType(), m.config().digest(), m.config().size()));
            for (Descriptor l : m.layers()) {
                blobs.add(Descriptor.of(l.mediaType(), l.digest(), l.size()));
            }
        }
    }

    private static void addBytes(TarArchiveOutputStream tar, String name, byte[] bytes) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(bytes.length);
        e.setMode(0644);
        tar.putArchiveEntry(e);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}
