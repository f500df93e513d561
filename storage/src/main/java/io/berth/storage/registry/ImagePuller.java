package io.berth.storage.registry;

import io.berth.protocol.oci.image.Descriptor;
import io.berth.protocol.oci.image.Digest;
import io.berth.protocol.oci.image.ImageIndex;
import io.berth.protocol.oci.image.Manifest;
import io.berth.protocol.oci.image.MediaTypes;
import io.berth.protocol.oci.image.OciJson;
import io.berth.protocol.oci.image.Platform;
import io.berth.storage.content.BlobExistsException;
import io.berth.storage.content.BlobVerificationException;
import io.berth.storage.content.BlobWriter;
import io.berth.storage.content.ContentStore;
import io.berth.storage.content.Lease;
import io.berth.storage.content.StoreException;
import io.berth.storage.image.Image;
import io.berth.storage.image.ImageStore;
import io.berth.storage.image.InvalidImageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls images from registries into an {@link ImageStore}: resolves the reference, picks the manifest for
 * the store's platform from an index, downloads the config and the layers (several at once, each resumed
 * with {@code Range} where an interrupted ingest left off), then names the image. Everything is held by a
 * lease until the name is stored, so a concurrent garbage collection cannot take it; every byte is verified
 * by the content store before it becomes visible.
 *
 * <p>Thread-safe: concurrent pulls share the client's connections and tokens, and the store makes two pulls
 * of the same blob share one download.
 */
public final class ImagePuller {

    private static final Logger log = LoggerFactory.getLogger(ImagePuller.class);
    private static final Duration LEASE_TTL = Duration.ofHours(6);
    /** How long a download waits for another pull that is fetching the same blob. */
    /**
     * Blobs of one pull downloaded at once by default: 6, as containers/image (skopeo, podman) does, so an
     * image of up to six layers is fetched in one round.
     */
    public static final int DEFAULT_CONCURRENCY = 6;

    private static final Duration SHARED_DOWNLOAD_WAIT = Duration.ofHours(1);
    private static final int BUFFER = 256 * 1024;

    private final RegistryClient client;
    private final ImageStore store;
    private final int concurrency;
    private final RetryPolicy retry;

    /**
     * @param concurrency how many blobs of one pull download at once, at least 1
     * @param retry how often a blob download is resumed after a broken connection
     */
    public ImagePuller(RegistryClient client, ImageStore store, int concurrency, RetryPolicy retry) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
        }
        this.client = client;
        this.store = store;
        this.concurrency = concurrency;
        this.retry = retry;
    }

    /**
     * Pulls {@code ref} and stores it under its name ({@code registry/repository:tag}, or {@code @digest} for
     * a reference without a tag). When the registry's manifest and everything it needs are already in the
     * store, only the manifest is resolved.
     *
     * @return the stored image
     * @throws RegistryException.NotFound when the registry has no such image
     * @throws RegistryException.Unauthorized when the registry refuses access
     * @throws RegistryException.Untrusted when the registry sends content that does not verify; nothing of
     *     that content is kept
     * @throws InvalidImageException when the image is malformed or has no manifest for the store's platform
     */
    public Image pull(ImageReference ref, TransferListener listener) throws IOException {
        String name = storeName(ref);
        Descriptor target = client.resolve(ref);
        log.debug("{} resolved to {} ({})", ref, target.digest(), target.mediaType());
        ContentStore content = store.content();
        Optional<Image> existing = store.find(name);
        if (existing.isPresent() && existing.get().target().digest().equals(target.digest()) && alreadyComplete(target, listener)) {
            // The warm path: nothing to fetch and nothing to record, so no lease and no synchronous index write.
            return existing.get();
        }
        try (Lease lease = content.leases().acquire("pull-" + target.digest().shortHex() + "-" + UUID.randomUUID(), LEASE_TTL)) {
            byte[] top = document(ref, target, lease, listener);
            boolean isIndex = MediaTypes.isIndex(target.mediaType());
            Descriptor manifestDescriptor = isIndex ? selectPlatform(ref, target, top) : target;
            byte[] manifestBytes = isIndex ? document(ref, manifestDescriptor, lease, listener) : top;
            if (!MediaTypes.isManifest(manifestDescriptor.mediaType())) {
                throw new InvalidImageException(ref + ": " + manifestDescriptor.digest() + " has media type "
                        + manifestDescriptor.mediaType() + " where an image manifest was expected");
            }
            Manifest manifest = parse(() -> OciJson.manifest(manifestBytes, ref + " manifest " + manifestDescriptor.digest()));
            checkBlobTypes(ref, manifest);
            List<Descriptor> blobs = new ArrayList<>();
            blobs.add(manifest.config());
            blobs.addAll(manifest.layers());
            for (Descriptor blob : blobs) {
                lease.addBlob(blob.digest());
            }
            fetchAll(ref, blobs, listener);
            return store.putImage(name, target);
        }
    }

    /**
     * Whether the store holds everything {@code target} needs on the store's platform; if so, marks those blobs
     * used and reports each as present. Reads only.
     */
    private boolean alreadyComplete(Descriptor target, TransferListener listener) throws IOException {
        ContentStore content = store.content();
        if (!content.exists(target.digest())) {
            return false;
        }
        List<Descriptor> needed = new ArrayList<>();
        needed.add(target);
        Descriptor manifestDescriptor = target;
        try {
            if (MediaTypes.isIndex(target.mediaType())) {
                ImageIndex index = OciJson.index(content.readAll(target.digest(), store.options().maxDocument()), target.digest().toString());
                Optional<Descriptor> selected = index.select(store.options().platform());
                if (selected.isEmpty() || !content.exists(selected.get().digest())) {
                    return false;
                }
                manifestDescriptor = selected.get();
                needed.add(manifestDescriptor);
            }
            Manifest manifest = OciJson.manifest(content.readAll(manifestDescriptor.digest(), store.options().maxDocument()),
                    manifestDescriptor.digest().toString());
            needed.add(manifest.config());
            needed.addAll(manifest.layers());
        } catch (IllegalArgumentException malformed) {
            return false;
        }
        for (Descriptor d : needed) {
            if (!content.exists(d.digest())) {
                return false;
            }
        }
        for (Descriptor d : needed) {
            content.touch(d.digest());
            listener.finished(d, TransferListener.Outcome.PRESENT);
        }
        return true;
    }

    /** The name a pulled reference is stored under. */
    public static String storeName(ImageReference ref) {
        return ref.tag() != null ? ref.name() + ":" + ref.tag() : ref.name() + "@" + ref.digest();
    }

    private Descriptor selectPlatform(ImageReference ref, Descriptor target, byte[] indexBytes) throws IOException {
        ImageIndex index = parse(() -> OciJson.index(indexBytes, ref + " index " + target.digest()));
        Platform platform = store.options().platform();
        return index.select(platform).orElseThrow(() -> new InvalidImageException(ref + " has no image for platform "
                + platform + "; the index offers " + index.manifests().stream()
                .map(d -> d.platform() == null ? "(no platform)" : d.platform().toString())
                .collect(Collectors.joining(", "))));
    }

    private static void checkBlobTypes(ImageReference ref, Manifest manifest) throws InvalidImageException {
        if (!MediaTypes.isConfig(manifest.config().mediaType())) {
            throw new InvalidImageException(ref + ": manifest.config.mediaType '" + manifest.config().mediaType()
                    + "' is not an image config (expected " + MediaTypes.OCI_CONFIG + " or " + MediaTypes.DOCKER_CONFIG + ")");
        }
        for (int i = 0; i < manifest.layers().size(); i++) {
            String type = manifest.layers().get(i).mediaType();
            if (!MediaTypes.isLayer(type)) {
                throw new InvalidImageException(ref + ": manifest.layers[" + i + "].mediaType '" + type
                        + "' is not a layer type Berth can unpack (tar, tar+gzip or tar+zstd)");
            }
        }
    }

    /** A manifest or index: read from the store when present, else fetched, verified and committed. */
    private byte[] document(ImageReference ref, Descriptor descriptor, Lease lease, TransferListener listener) throws IOException {
        ContentStore content = store.content();
        lease.addBlob(descriptor.digest());
        if (content.exists(descriptor.digest())) {
            content.touch(descriptor.digest());
            listener.finished(descriptor, TransferListener.Outcome.PRESENT);
            return content.readAll(descriptor.digest(), store.options().maxDocument());
        }
        byte[] bytes = client.fetchManifest(ref, descriptor);
        listener.started(descriptor, 0);
        try (BlobWriter writer = content.writer(ingestRef(descriptor.digest()), descriptor, SHARED_DOWNLOAD_WAIT)) {
            writer.truncate(0);
            writer.write(bytes, 0, bytes.length);
            writer.commit(descriptor.size(), descriptor.digest());
        } catch (BlobExistsException e) {
            // another pull committed it meanwhile: the same verified bytes
        }
        listener.finished(descriptor, TransferListener.Outcome.DOWNLOADED);
        return bytes;
    }

    private void fetchAll(ImageReference ref, List<Descriptor> blobs, TransferListener listener) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(concurrency, blobs.size()), r -> {
            Thread t = new Thread(r, "berth-pull-" + ref.repository());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Void>> futures = new ArrayList<>();
            for (Descriptor blob : blobs.stream().distinct().collect(Collectors.toList())) {
                futures.add(pool.submit(() -> {
                    fetchBlob(ref, blob, listener);
                    return null;
                }));
            }
            for (Future<Void> future : futures) {
                try {
                    future.get();
                } catch (ExecutionException e) {
                    // the first failure wins; the others are interrupted below
                    throw asIOException(e.getCause());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("pull of " + ref + " interrupted");
        } finally {
            pool.shutdownNow();
        }
    }

    private void fetchBlob(ImageReference ref, Descriptor blob, TransferListener listener) throws IOException {
        ContentStore content = store.content();
        if (content.exists(blob.digest())) {
            content.touch(blob.digest());
            listener.finished(blob, TransferListener.Outcome.PRESENT);
            return;
        }
        BlobWriter writer;
        try {
            writer = content.writer(ingestRef(blob.digest()), blob, SHARED_DOWNLOAD_WAIT);
        } catch (BlobExistsException e) {
            listener.finished(blob, TransferListener.Outcome.PRESENT);
            return;
        }
        boolean done = false;
        try {
            if (writer.offset() > blob.size()) {
                writer.truncate(0);
            }
            listener.started(blob, writer.offset());
            download(ref, blob, writer, listener);
            try {
                writer.commit(blob.size(), blob.digest());
            } catch (BlobVerificationException e) {
                throw new RegistryException.Untrusted("blob " + blob.digest() + " of " + ref.name() + " from registry "
                        + ref.registry() + " does not verify: " + e.getMessage());
            }
            done = true;
            listener.finished(blob, TransferListener.Outcome.DOWNLOADED);
        } finally {
            if (!done) {
                // A failed pull leaves nothing half-written; only a killed process leaves an ingest to resume.
                writer.abort();
            }
        }
    }

    /** Streams the blob into the writer from its offset, resuming with Range after broken connections. */
    private void download(ImageReference ref, Descriptor blob, BlobWriter writer, TransferListener listener) throws IOException {
        byte[] buffer = new byte[BUFFER];
        for (int attempt = 1; ; attempt++) {
            long offset = writer.offset();
            try (RegistryClient.BlobStream stream = client.openBlob(ref, blob, offset)) {
                if (stream.offset() != offset) {
                    log.debug("registry restarted {} from {} instead of {}", blob.digest(), stream.offset(), offset);
                    writer.truncate(stream.offset());
                }
                InputStream in = stream.body();
                long written = writer.offset();
                int n;
                while ((n = in.read(buffer)) > 0) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new InterruptedIOException("download of " + blob.digest() + " cancelled");
                    }
                    if (written + n > blob.size()) {
                        throw new RegistryException.Untrusted("blob " + blob.digest() + " of " + ref.name() + " from registry "
                                + ref.registry() + ": size mismatch: the registry sent more than the " + blob.size()
                                + " bytes the manifest declares");
                    }
                    writer.write(buffer, 0, n);
                    written += n;
                    listener.progress(blob, written);
                }
                if (written == blob.size()) {
                    return;
                }
                throw new java.io.EOFException("blob " + blob.digest() + " of " + ref.name() + " from registry " + ref.registry()
                        + ": the body ended after " + written + " of " + blob.size() + " bytes");
            } catch (RegistryException | StoreException | InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                if (attempt >= retry.maxAttempts()) {
                    throw new RegistryException("download of blob " + blob.digest() + " of " + ref + " failed after "
                            + attempt + " attempts: " + e.getMessage(), e);
                }
                log.info("download of {} broke at {} bytes ({}); resuming", blob.digest(), writer.offset(), e.toString());
                try {
                    Thread.sleep(retry.backoff(attempt).toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("pull of " + ref + " interrupted");
                }
            }
        }
    }

    static String ingestRef(Digest digest) {
        return "pull-" + digest;
    }

    private interface Parse<T> {
        T run();
    }

    private static <T> T parse(Parse<T> parse) throws InvalidImageException {
        try {
            return parse.run();
        } catch (IllegalArgumentException e) {
            throw new InvalidImageException(e.getMessage(), e);
        }
    }

    private static IOException asIOException(Throwable t) {
        if (t instanceof IOException io) {
            return io;
        }
        if (t instanceof RuntimeException re) {
            throw re;
        }
        return new IOException(t);
    }
}
