package io.berth.storage.registry;

import io.berth.protocol.oci.image.Descriptor;
import io.berth.protocol.oci.image.ImageIndex;
import io.berth.protocol.oci.image.Manifest;
import io.berth.protocol.oci.image.MediaTypes;
import io.berth.protocol.oci.image.OciJson;
import io.berth.storage.content.ContentStore;
import io.berth.storage.image.Image;
import io.berth.storage.image.ImageNotFoundException;
import io.berth.storage.image.ImageStore;
import io.berth.storage.image.InvalidImageException;
import io.berth.storage.image.ResolvedImage;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes images from an {@link ImageStore} to a registry: every blob the registry lacks (HEAD first, then a
 * cross-repository mount when the image came from another repository of the same registry, else an upload),
 * then the manifests, children of an index before the index.
 *
 * <p>Thread-safe.
 */
public final class ImagePusher {

    private static final Logger log = LoggerFactory.getLogger(ImagePusher.class);

    /** Blobs up to this size go in one PUT; larger ones in PATCH chunks of this size. */
    public static final long DEFAULT_CHUNK_SIZE = 16L << 20;

    private final RegistryClient client;
    private final ImageStore store;
    private final int concurrency;
    private final long chunkSize;

    /**
     * @param concurrency how many blobs upload at once, at least 1
     * @param chunkSize blobs larger than this are uploaded in chunks of this size
     */
    public ImagePusher(RegistryClient client, ImageStore store, int concurrency, long chunkSize) {
        if (concurrency < 1 || chunkSize < 1) {
            throw new IllegalArgumentException("concurrency and chunkSize must be positive, got " + concurrency + ", " + chunkSize);
        }
        this.client = client;
        this.store = store;
        this.concurrency = concurrency;
        this.chunkSize = chunkSize;
    }

    /**
     * Pushes the local image {@code localName} to {@code target}. An index is pushed whole when all its
     * manifests are in the store; otherwise only the manifest for the store's platform is pushed.
     *
     * @param mountFrom a repository of the target registry to mount blobs from; null to mount from the image's
     *     own repository when it came from the same registry
     * @return the digest and media type of what {@code target} now names
     * @throws ImageNotFoundException when the store has no such image
     * @throws RegistryException when the registry refuses a blob or manifest
     */
    public Descriptor push(String localName, ImageReference target, String mountFrom, TransferListener listener) throws IOException {
        Image image = store.find(localName).orElseThrow(() -> new ImageNotFoundException(localName));
        String mount = mountFrom != null ? mountFrom : sameRegistryRepository(image.name(), target);
        ContentStore content = store.content();
        Descriptor top = image.target();
        if (MediaTypes.isIndex(top.mediaType())) {
            byte[] indexBytes = content.readAll(top.digest(), store.options().maxDocument());
            ImageIndex index = parse(() -> OciJson.index(indexBytes, localName + " index " + top.digest()));
            boolean complete = true;
            for (Descriptor child : index.manifests()) {
                complete &= content.exists(child.digest());
            }
            if (complete) {
                for (Descriptor child : index.manifests()) {
                    pushManifest(child, target.withDigest(child.digest()), mount, listener);
                }
                client.putManifest(target, top.mediaType(), indexBytes);
                return top;
            }
            log.info("{}: not every platform of the index is in the store; pushing the one for {}", localName, store.options().platform());
            ResolvedImage resolved = store.resolve(localName);
            pushManifest(resolved.manifestDescriptor(), target, mount, listener);
            return resolved.manifestDescriptor();
        }
        pushManifest(top, target, mount, listener);
        return top;
    }

    private void pushManifest(Descriptor descriptor, ImageReference target, String mount, TransferListener listener) throws IOException {
        ContentStore content = store.content();
        byte[] bytes = content.readAll(descriptor.digest(), store.options().maxDocument());
        if (!MediaTypes.isManifest(descriptor.mediaType())) {
            throw new InvalidImageException(descriptor.digest() + " has media type " + descriptor.mediaType() + "; expected an image manifest");
        }
        Manifest manifest = parse(() -> OciJson.manifest(bytes, "manifest " + descriptor.digest()));
        List<Descriptor> blobs = new ArrayList<>(manifest.layers());
        blobs.add(manifest.config());
        pushBlobs(target, blobs.stream().distinct().toList(), mount, listener);
        client.putManifest(target, descriptor.mediaType(), bytes);
        listener.finished(descriptor, TransferListener.Outcome.UPLOADED);
    }

    private void pushBlobs(ImageReference target, List<Descriptor> blobs, String mount, TransferListener listener) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(concurrency, Math.max(1, blobs.size())), r -> {
            Thread t = new Thread(r, "berth-push-" + target.repository());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Void>> futures = new ArrayList<>();
            for (Descriptor blob : blobs) {
                futures.add(pool.submit(() -> {
                    pushBlob(target, blob, mount, listener);
                    return null;
                }));
            }
            for (Future<Void> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof IOException io) {
                        throw io;
                    }
                    throw new IOException(e.getCause());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("push to " + target + " interrupted");
        } finally {
            pool.shutdownNow();
        }
    }

    private void pushBlob(ImageReference target, Descriptor blob, String mount, TransferListener listener) throws IOException {
        ContentStore content = store.content();
        listener.started(blob, 0);
        RegistryClient.UploadResult result = client.pushBlob(target, blob, mount, chunkSize,
                offset -> new ProgressInputStream(content.open(blob.digest(), offset), blob, offset, listener));
        listener.finished(blob, switch (result) {
            case EXISTS -> TransferListener.Outcome.PRESENT;
            case MOUNTED -> TransferListener.Outcome.MOUNTED;
            case UPLOADED -> TransferListener.Outcome.UPLOADED;
        });
    }

    /** The repository of {@code localName} when it is on the same registry as {@code target}, else null. */
    private static String sameRegistryRepository(String localName, ImageReference target) {
        try {
            ImageReference source = ImageReference.parse(localName);
            return source.registry().equals(target.registry()) && !source.repository().equals(target.repository())
                    ? source.repository() : null;
        } catch (InvalidReferenceException e) {
            return null;
        }
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

    /** Reports upload progress as the registry reads the blob. */
    private static final class ProgressInputStream extends java.io.FilterInputStream {
        private final Descriptor blob;
        private final TransferListener listener;
        private long done;

        ProgressInputStream(java.io.InputStream in, Descriptor blob, long offset, TransferListener listener) {
            super(in);
            this.blob = blob;
            this.done = offset;
            this.listener = listener;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                done += n;
                listener.progress(blob, done);
            }
            return n;
        }
    }
}
