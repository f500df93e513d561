package io.berth.storage.image;

import io.berth.protocol.oci.image.Descriptor;
import io.berth.protocol.oci.image.Digest;
import io.berth.protocol.oci.image.ImageConfig;
import io.berth.protocol.oci.image.ImageIndex;
import io.berth.protocol.oci.image.Manifest;
import io.berth.protocol.oci.image.MediaTypes;
import io.berth.protocol.oci.image.OciJson;
import io.berth.storage.content.BlobInfo;
import io.berth.storage.content.BlobNotFoundException;
import io.berth.storage.content.BlobVerificationException;
import io.berth.storage.content.ContentStore;
import io.berth.storage.content.Lease;
import io.berth.storage.content.LocalContentStore;
import io.berth.storage.content.MetadataIndex;
import io.berth.storage.content.MetadataIndex.Family;
import io.berth.storage.content.StoreException;
import io.berth.storage.image.unpack.LayerUnpacker;
import io.berth.storage.image.unpack.UnpackResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Collectors;

/**
 * The image store in one directory:
 * <pre>
 *   index/            RocksDB: blobs, images, leases, snapshots, uses
 *   blobs/sha256/…    committed blobs          ingest/…   ingests in progress
 *   snapshots/&lt;n&gt;/    one unpacked layer per chainID (short numeric names keep the overlay
 *                     lowerdir option, limited to a page, short enough for ~100 layers)
 *   containers/&lt;id&gt;/  upper/ and work/ of each container rootfs
 * </pre>
 * The index entry is the commit point of everything: a snapshot is unpacked into {@code snapshots/tmp-<n>},
 * synced, renamed, then indexed; opening the store removes whatever has no entry and every entry whose
 * files are gone. Garbage collection takes a write lock; everything else a read lock.
 */
public final class LocalImageStore implements ImageStore {

    private static final Logger log = LoggerFactory.getLogger(LocalImageStore.class);
    private static final int MAX_NESTING = 4;
    /** mount(2) takes its data argument in one page, NUL included. */
    private static final int MAX_MOUNT_OPTIONS = 4095;
    /** Prefix of the private directories a layout tar is extracted into; leftovers are removed on open. */
    static final String IMPORT_PREFIX = "import-";

    private final Path root;
    private final ImageStoreOptions options;
    private final Clock clock;
    private final MetadataIndex index;
    private final LocalContentStore content;
    private final Path snapshots;
    private final Path containers;
    private final ReentrantReadWriteLock gcLock = new ReentrantReadWriteLock();
    private final Map<Digest, Object> unpackLocks = new ConcurrentHashMap<>();
    private final AtomicLong nextSnapshotId = new AtomicLong(1);
    private final ExecutorService unpackers = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(), r -> {
        Thread t = new Thread(r, "berth-unpack");
        t.setDaemon(true);
        return t;
    });

    private LocalImageStore(Path root, ImageStoreOptions options, Clock clock, MetadataIndex index) throws IOException {
        this.root = root;
        this.options = options;
        this.clock = clock;
        this.index = index;
        this.content = new LocalContentStore(root, index, clock);
        this.snapshots = root.resolve("snapshots");
        this.containers = root.resolve("containers");
        Files.createDirectories(snapshots);
        Files.createDirectories(containers);
        reconcile();
    }

    /**
     * Opens (creating) the store in {@code root} and reconciles it after a crash.
     *
     * @throws StoreException when another process has it open
     */
    public static LocalImageStore open(Path root, ImageStoreOptions options) throws IOException {
        return open(root, options, Clock.systemUTC());
    }

    /** As {@link #open(Path, ImageStoreOptions)} with an injected clock (tests of expiry and LRU). */
    public static LocalImageStore open(Path root, ImageStoreOptions options, Clock clock) throws IOException {
        Files.createDirectories(root);
        MetadataIndex index = MetadataIndex.open(root.resolve("index"));
        try {
            return new LocalImageStore(root, options, clock, index);
        } catch (IOException | RuntimeException e) {
            index.close();
            throw e;
        }
    }

    public Path root() {
        return root;
    }

    @Override
    public ContentStore content() {
        return content;
    }

    /** The concrete content store, for the layout import/export and image building in this package. */
    LocalContentStore localContent() {
        return content;
    }

    @Override
    public ImageStoreOptions options() {
        return options;
    }

    // ---------------------------------------------------------------- names

    @Override
    public Image putImage(String name, Descriptor target) throws IOException {
        Image image;
        gcLock.readLock().lock();
        try {
            check(name, target);
            long now = clock.millis();
            Optional<ImageRecord> old = index.get(Family.IMAGES, name, ImageRecord.class);
            ImageRecord record = new ImageRecord(target, old.map(ImageRecord::created).orElse(now), now);
            if (old.isPresent() && old.get().target().equals(target)) {
                // Same target (a warm pull): only the last-used time changes, which need not wait for the disk.
                index.putRelaxed(Family.IMAGES, name, record);
            } else {
                index.put(Family.IMAGES, name, record);
                log.info("stored image {} -> {}", name, target.digest());
            }
            image = record.image(name);
        } finally {
            gcLock.readLock().unlock();
        }
        enforceQuota(name);
        return image;
    }

    /** Checks that {@code target} could be stored under {@code name} (see {@link #putImage}) without storing it. */
    void check(String name, Descriptor target) throws IOException {
        ImageNames.validate(name);
        target.validate("image " + name);
        int at = name.indexOf('@');
        if (at >= 0 && !name.substring(at + 1).equals(target.digest().toString())) {
            throw new InvalidImageException("image " + name + ": the name pins digest " + name.substring(at + 1)
                    + " but the target is " + target.digest());
        }
        if (!MediaTypes.ACCEPTED_MANIFESTS.contains(target.mediaType())) {
            throw new InvalidImageException("image " + name + ": media type '" + target.mediaType()
                    + "' is not a manifest or index (expected one of " + MediaTypes.ACCEPTED_MANIFESTS + ")");
        }
        resolveTarget(name, target, 0);
    }

    @Override
    public Optional<Image> find(String name) throws IOException {
        ImageNames.validate(name);
        return index.get(Family.IMAGES, name, ImageRecord.class).map(r -> r.image(name));
    }

    @Override
    public ResolvedImage resolve(String name) throws IOException {
        Image image = find(name).orElseThrow(() -> new ImageNotFoundException(name));
        Resolved r = resolveTarget(name, image.target(), 0);
        return new ResolvedImage(image, r.descriptor, r.manifest, r.config, chainIds(r.config.rootfs().diffIds()));
    }

    @Override
    public List<Image> list() throws IOException {
        List<Image> result = new ArrayList<>();
        index.all(Family.IMAGES, ImageRecord.class).forEach((k, v) -> result.add(v.image(k)));
        return result;
    }

    @Override
    public boolean remove(String name) throws IOException {
        ImageNames.validate(name);
        if (index.get(Family.IMAGES, name, ImageRecord.class).isEmpty()) {
            return false;
        }
        index.delete(Family.IMAGES, name);
        log.info("removed image name {}", name);
        return true;
    }

    private void touchImage(String name) throws IOException {
        Optional<ImageRecord> r = index.get(Family.IMAGES, name, ImageRecord.class);
        if (r.isPresent()) {
            index.putRelaxed(Family.IMAGES, name, new ImageRecord(r.get().target(), r.get().created(), clock.millis()));
        }
    }

    // ---------------------------------------------------------------- documents

    private record Resolved(Descriptor descriptor, Manifest manifest, ImageConfig config) {
    }

    /** Follows an index to the platform's manifest and checks that everything it needs is present. */
    private Resolved resolveTarget(String name, Descriptor target, int depth) throws IOException {
        if (depth > MAX_NESTING) {
            throw new InvalidImageException("image " + name + ": indexes nested deeper than " + MAX_NESTING);
        }
        byte[] bytes = readDocument(name, target);
        if (MediaTypes.isIndex(target.mediaType())) {
            ImageIndex idx = parse(name, () -> OciJson.index(bytes, "index " + target.digest()));
            Descriptor chosen = idx.select(options.platform()).orElseThrow(() -> new InvalidImageException("image " + name
                    + ": index " + target.digest() + " has no manifest for platform " + options.platform() + " (it has "
                    + idx.manifests().stream().map(d -> String.valueOf(d.platform())).collect(Collectors.joining(", ")) + ")"));
            if (!MediaTypes.ACCEPTED_MANIFESTS.contains(chosen.mediaType())) {
                throw new InvalidImageException("image " + name + ": index " + target.digest() + " entry " + chosen.digest()
                        + " has media type '" + chosen.mediaType() + "', not a manifest or index");
            }
            return resolveTarget(name, chosen, depth + 1);
        }
        Manifest m = parse(name, () -> OciJson.manifest(bytes, "manifest " + target.digest()));
        Descriptor cd = m.config();
        if (!MediaTypes.isConfig(cd.mediaType())) {
            throw new InvalidImageException("image " + name + ": manifest " + target.digest() + " config.mediaType '"
                    + cd.mediaType() + "' is not an image config (expected " + MediaTypes.CONFIGS + ")");
        }
        byte[] configBytes = readBlob(name, cd);
        ImageConfig config = parse(name, () -> OciJson.config(configBytes, "config " + cd.digest()));
        List<Digest> diffIds = config.rootfs().diffIds();
        if (diffIds.size() != m.layers().size()) {
            throw new InvalidImageException("image " + name + ": manifest " + target.digest() + " has " + m.layers().size()
                    + " layers but config " + cd.digest() + " rootfs.diff_ids has " + diffIds.size());
        }
        for (int i = 0; i < m.layers().size(); i++) {
            Descriptor layer = m.layers().get(i);
            if (!MediaTypes.isLayer(layer.mediaType())) {
                throw new InvalidImageException("image " + name + ": manifest " + target.digest() + " layers[" + i
                        + "].mediaType '" + layer.mediaType() + "' is not a layer type Berth can unpack");
            }
            checkPresent(name, layer);
        }
        return new Resolved(target, m, config);
    }

    private interface Parser<T> {
        T parse();
    }

    private static <T> T parse(String name, Parser<T> parser) throws InvalidImageException {
        try {
            return parser.parse();
        } catch (IllegalArgumentException e) {
            throw new InvalidImageException("image " + name + ": " + e.getMessage(), e);
        }
    }

    /** Reads a manifest or index, checking that its own mediaType field agrees with the descriptor. */
    private byte[] readDocument(String name, Descriptor d) throws IOException {
        byte[] bytes = readBlob(name, d);
        String declared;
        try {
            declared = OciJson.mediaTypeOf(bytes, d.digest().toString());
        } catch (IllegalArgumentException e) {
            throw new InvalidImageException("image " + name + ": " + e.getMessage(), e);
        }
        if (declared != null && !declared.equals(d.mediaType())) {
            throw new BlobVerificationException("image " + name + " document " + d.digest(),
                    BlobVerificationException.Kind.MEDIA_TYPE, d.mediaType(), declared);
        }
        return bytes;
    }

    private byte[] readBlob(String name, Descriptor d) throws IOException {
        checkPresent(name, d);
        return content.readAll(d.digest(), options.maxDocument());
    }

    private void checkPresent(String name, Descriptor d) throws IOException {
        BlobInfo info = content.info(d.digest()).orElseThrow(() -> new BlobNotFoundException(d.digest()));
        if (info.size() != d.size()) {
            throw new BlobVerificationException("image " + name + " blob " + d.digest(), BlobVerificationException.Kind.SIZE,
                    d.size() + " bytes", info.size() + " bytes");
        }
    }

    /** chainID(1) = diffID(1); chainID(n) = sha256(chainID(n-1) + " " + diffID(n)). */
    public static List<Digest> chainIds(List<Digest> diffIds) {
        List<Digest> chain = new ArrayList<>();
        for (Digest d : diffIds) {
            chain.add(chain.isEmpty() ? d
                    : Digest.sha256((chain.get(chain.size() - 1) + " " + d).getBytes(StandardCharsets.UTF_8)));
        }
        return chain;
    }

    // ---------------------------------------------------------------- snapshots

    @Override
    public List<Snapshot> ensureSnapshots(String name) throws IOException {
        List<Snapshot> chain = new ArrayList<>();
        gcLock.readLock().lock();
        try {
            ResolvedImage image = resolve(name);
            // Each layer unpacks into its own directory without needing its parent, so layers unpack in
            // parallel. Every task is waited for, so none is still writing when this returns or throws.
            List<Future<Snapshot>> tasks = new ArrayList<>();
            for (int i = 0; i < image.chainIds().size(); i++) {
                int layer = i;
                tasks.add(unpackers.submit(() -> ensureSnapshot(image, layer)));
            }
            Exception failure = null;
            for (Future<Snapshot> task : tasks) {
                try {
                    chain.add(task.get());
                } catch (ExecutionException e) {
                    failure = failure != null ? failure : (Exception) e.getCause();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    tasks.forEach(t -> t.cancel(true));
                    throw new java.io.InterruptedIOException("interrupted while unpacking " + name);
                }
            }
            if (failure instanceof IOException io) {
                throw io;
            }
            if (failure != null) {
                throw (RuntimeException) failure;
            }
            touchImage(name);
        } finally {
            gcLock.readLock().unlock();
        }
        enforceQuota(name);
        return chain;
    }

    private Snapshot ensureSnapshot(ResolvedImage image, int i) throws IOException {
        Digest chainId = image.chainIds().get(i);
        Digest parent = i == 0 ? null : image.chainIds().get(i - 1);
        synchronized (unpackLocks.computeIfAbsent(chainId, k -> new Object())) {
            Optional<Snapshot> existing = snapshot(chainId);
            if (existing.isPresent()) {
                return existing.get();
            }
            Descriptor layer = image.manifest().layers().get(i);
            Digest diffId = image.config().rootfs().diffIds().get(i);
            long id = nextSnapshotId.getAndIncrement();
            Path tmp = snapshots.resolve("tmp-" + id);
            Path dir = snapshots.resolve(Long.toString(id));
            String what = "layer " + i + " (" + layer.digest() + ") of " + image.image().name();
            long started = System.nanoTime();
            try {
                Files.createDirectory(tmp);
                UnpackResult result;
                try (InputStream in = content.open(layer.digest(), 0)) {
                    result = LayerUnpacker.unpack(in, tmp, diffId, what);
                }
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                LocalContentStore.fsyncDirectory(snapshots);
                SnapshotRecord record = new SnapshotRecord(parent, Long.toString(id), result.size(), clock.millis());
                index.put(Family.SNAPSHOTS, chainId.toString(), record);
                log.info("unpacked {} into snapshot {} ({} entries, {} bytes, {} ms)", what, dir, result.entries(),
                        result.size(), (System.nanoTime() - started) / 1_000_000);
                return record.snapshot(chainId, snapshots);
            } catch (IOException | RuntimeException e) {
                LocalContentStore.deleteTree(tmp);
                LocalContentStore.deleteTree(dir);
                throw e;
            }
        }
    }

    /** The snapshot with this chainID, if it is unpacked. */
    public Optional<Snapshot> snapshot(Digest chainId) throws IOException {
        return index.get(Family.SNAPSHOTS, chainId.toString(), SnapshotRecord.class).map(r -> r.snapshot(chainId, snapshots));
    }

    /** Every snapshot, in chainID order. */
    public List<Snapshot> snapshots() throws IOException {
        List<Snapshot> result = new ArrayList<>();
        index.all(Family.SNAPSHOTS, SnapshotRecord.class).forEach((k, v) -> result.add(v.snapshot(Digest.parse(k), snapshots)));
        return result;
    }

    // ---------------------------------------------------------------- containers

    @Override
    public RootfsMount prepareRootfs(String name, String containerId) throws IOException {
        ImageNames.validateContainerId(containerId);
        RootfsMount mount;
        gcLock.readLock().lock();
        try {
            Optional<UseRecord> use = index.get(Family.USES, containerId, UseRecord.class);
            if (use.isPresent() && !use.get().image().equals(name)) {
                throw new StoreException("container " + containerId + " already has a rootfs from image " + use.get().image()
                        + "; release it before preparing one from " + name);
            }
            List<Snapshot> chain = ensureSnapshots(name);
            if (chain.isEmpty()) {
                throw new InvalidImageException("image " + name + " has no layers, so there is no root file system to mount");
            }
            int optionBytes = new RootfsMount(containerId, chain.stream().map(Snapshot::dir).toList(),
                    containers.resolve(containerId).resolve("upper"), containers.resolve(containerId).resolve("work")).options().length();
            if (optionBytes >= MAX_MOUNT_OPTIONS) {
                throw new InvalidImageException("image " + name + " has " + chain.size() + " layers: its overlay mount options"
                        + " would be " + optionBytes + " bytes, over the kernel's limit of one page; squash the image into fewer layers");
            }
            // The use record goes first: a crash before the directories exist leaves a record that the next
            // open drops, never directories nobody accounts for.
            index.put(Family.USES, containerId, new UseRecord(name, chain.stream().map(Snapshot::chainId).toList()));
            Path dir = containers.resolve(containerId);
            Path upper = dir.resolve("upper");
            Path work = dir.resolve("work");
            Files.createDirectories(upper);
            Files.createDirectories(work);
            List<Path> lower = new ArrayList<>();
            for (int i = chain.size() - 1; i >= 0; i--) {
                lower.add(chain.get(i).dir());
            }
            mount = new RootfsMount(containerId, lower, upper, work);
        } finally {
            gcLock.readLock().unlock();
        }
        enforceQuota(name);
        return mount;
    }

    @Override
    public void releaseRootfs(String containerId) throws IOException {
        ImageNames.validateContainerId(containerId);
        LocalContentStore.deleteTree(containers.resolve(containerId));
        index.delete(Family.USES, containerId);
    }

    // ---------------------------------------------------------------- garbage collection

    @Override
    public PruneResult prune() throws IOException {
        return prune(Set.of());
    }

    /**
     * Evicts when over the quota, sparing {@code keep} (the image just stored or unpacked: evicting it would
     * undo the caller's work). Runs only at the outermost call, since the write lock cannot be taken while
     * this thread holds the read lock.
     */
    private void enforceQuota(String keep) throws IOException {
        if (options.quotaBytes() != Long.MAX_VALUE && gcLock.getReadHoldCount() == 0 && diskUsage() > options.quotaBytes()) {
            prune(Set.of(keep));
        }
    }

    private PruneResult prune(Set<String> keep) throws IOException {
        gcLock.writeLock().lock();
        try {
            List<String> evicted = new ArrayList<>();
            PruneResult total = collect(evicted);
            while (diskUsage() > options.quotaBytes()) {
                Set<String> inUse = index.all(Family.USES, UseRecord.class).values().stream()
                        .map(UseRecord::image).collect(Collectors.toSet());
                Optional<Image> victim = list().stream().filter(i -> !inUse.contains(i.name()) && !keep.contains(i.name()))
                        .min(Comparator.comparing(Image::lastUsed));
                if (victim.isEmpty()) {
                    log.warn("image store {} uses {} bytes, over its quota of {}, but every image left is in use",
                            root, diskUsage(), options.quotaBytes());
                    break;
                }
                log.info("evicting image {} (last used {}) to get under the quota of {} bytes", victim.get().name(),
                        victim.get().lastUsed(), options.quotaBytes());
                index.delete(Family.IMAGES, victim.get().name());
                evicted.add(victim.get().name());
                total = merge(total, collect(evicted));
            }
            return new PruneResult(List.copyOf(evicted), total.blobsRemoved(), total.snapshotsRemoved(),
                    total.ingestsRemoved(), total.bytesFreed());
        } finally {
            gcLock.writeLock().unlock();
        }
    }

    private static PruneResult merge(PruneResult a, PruneResult b) {
        List<Digest> blobs = new ArrayList<>(a.blobsRemoved());
        blobs.addAll(b.blobsRemoved());
        List<Digest> snaps = new ArrayList<>(a.snapshotsRemoved());
        snaps.addAll(b.snapshotsRemoved());
        List<String> ingests = new ArrayList<>(a.ingestsRemoved());
        ingests.addAll(b.ingestsRemoved());
        return new PruneResult(List.of(), blobs, snaps, ingests, a.bytesFreed() + b.bytesFreed());
    }

    /** One mark and sweep, with lease updates blocked throughout. The caller holds the write lock. */
    private PruneResult collect(List<String> evicted) throws IOException {
        return content.withLeasesFrozen(() -> collectFrozen(evicted));
    }

    private PruneResult collectFrozen(List<String> evicted) throws IOException {
        Set<Digest> blobs = new HashSet<>();
        Set<Digest> snaps = new HashSet<>();
        for (Image image : list()) {
            mark(image.name(), image.target(), blobs, snaps, 0);
        }
        LocalContentStore.LeaseHolds leased = content.leaseHolds();
        blobs.addAll(leased.blobs());
        snaps.addAll(leased.snapshots());
        for (UseRecord use : index.all(Family.USES, UseRecord.class).values()) {
            snaps.addAll(use.chain());
        }
        Map<String, SnapshotRecord> allSnaps = index.all(Family.SNAPSHOTS, SnapshotRecord.class);
        // A held snapshot keeps its ancestors: overlay needs the whole chain below it.
        for (Digest s : List.copyOf(snaps)) {
            SnapshotRecord r = allSnaps.get(s.toString());
            while (r != null && r.parent() != null && snaps.add(r.parent())) {
                r = allSnaps.get(r.parent().toString());
            }
        }
        long freed = 0;
        List<Digest> removedBlobs = new ArrayList<>();
        for (BlobInfo b : content.list()) {
            if (!blobs.contains(b.digest())) {
                content.delete(b.digest());
                removedBlobs.add(b.digest());
                freed += b.size();
            }
        }
        List<Digest> removedSnaps = new ArrayList<>();
        for (var e : allSnaps.entrySet()) {
            Digest chainId = Digest.parse(e.getKey());
            if (!snaps.contains(chainId)) {
                index.delete(Family.SNAPSHOTS, e.getKey());
                LocalContentStore.deleteTree(snapshots.resolve(e.getValue().dir()));
                removedSnaps.add(chainId);
                freed += e.getValue().size();
            }
        }
        List<String> ingests = content.deleteStaleIngests(options.staleIngest());
        if (!removedBlobs.isEmpty() || !removedSnaps.isEmpty() || !ingests.isEmpty() || leased.expired() > 0) {
            log.info("garbage collection of {}: removed {} blobs, {} snapshots, {} stale ingests, {} expired leases; {} bytes freed",
                    root, removedBlobs.size(), removedSnaps.size(), ingests.size(), leased.expired(), freed);
        }
        return new PruneResult(evicted, removedBlobs, removedSnaps, ingests, freed);
    }

    /** Marks what a name reaches: the documents, every present child of an index, layers and snapshots. */
    private void mark(String name, Descriptor d, Set<Digest> blobs, Set<Digest> snaps, int depth) throws IOException {
        blobs.add(d.digest());
        if (depth > MAX_NESTING || content.info(d.digest()).isEmpty()) {
            return;
        }
        try {
            byte[] bytes = content.readAll(d.digest(), options.maxDocument());
            if (MediaTypes.isIndex(d.mediaType())) {
                for (Descriptor child : OciJson.index(bytes, d.digest().toString()).manifests()) {
                    mark(name, child, blobs, snaps, depth + 1);
                }
            } else if (MediaTypes.isManifest(d.mediaType())) {
                Manifest m = OciJson.manifest(bytes, d.digest().toString());
                blobs.add(m.config().digest());
                m.layers().forEach(l -> blobs.add(l.digest()));
                if (content.info(m.config().digest()).isPresent()) {
                    ImageConfig c = OciJson.config(content.readAll(m.config().digest(), options.maxDocument()), m.config().digest().toString());
                    snaps.addAll(chainIds(c.rootfs().diffIds()));
                }
            }
        } catch (IllegalArgumentException | StoreException e) {
            log.warn("garbage collection: image {} has an unreadable document {}: {}", name, d.digest(), e.getMessage());
        }
    }

    @Override
    public StoreCheck check() throws IOException {
        // Hashing every blob takes long: it runs unlocked (the content store's check tolerates deletes).
        LocalContentStore.Check blobs = content.check();
        // The write lock keeps garbage collection and unpacking out, so directories and entries hold still.
        gcLock.writeLock().lock();
        try {
            List<String> problems = new ArrayList<>(blobs.problems());
            List<Image> images = list();
            for (Image image : images) {
                try {
                    resolveTarget(image.name(), image.target(), 0);
                } catch (IOException | RuntimeException e) {
                    problems.add("image " + image.name() + " does not resolve to complete content: " + e.getMessage());
                }
            }
            Map<String, SnapshotRecord> snaps = index.all(Family.SNAPSHOTS, SnapshotRecord.class);
            Set<String> snapDirs = new HashSet<>();
            for (var e : snaps.entrySet()) {
                snapDirs.add(e.getValue().dir());
                if (!Files.isDirectory(snapshots.resolve(e.getValue().dir()), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    problems.add("snapshot " + e.getKey() + " is indexed but " + snapshots.resolve(e.getValue().dir()) + " is missing");
                }
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(snapshots)) {
                for (Path p : ds) {
                    if (!snapDirs.contains(p.getFileName().toString())) {
                        problems.add("snapshot directory " + p + " has no index entry"
                                + (p.getFileName().toString().startsWith("tmp-") ? " (a half-unpacked layer)" : ""));
                    }
                }
            }
            Map<String, UseRecord> uses = index.all(Family.USES, UseRecord.class);
            for (var e : uses.entrySet()) {
                if (!Files.isDirectory(containers.resolve(e.getKey()).resolve("upper"))) {
                    problems.add("container " + e.getKey() + " has a rootfs record but no " + containers.resolve(e.getKey()).resolve("upper"));
                }
                for (Digest chainId : e.getValue().chain()) {
                    if (!snaps.containsKey(chainId.toString())) {
                        problems.add("container " + e.getKey() + " uses snapshot " + chainId + ", which is not indexed");
                    }
                }
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(containers)) {
                for (Path p : ds) {
                    if (!uses.containsKey(p.getFileName().toString())) {
                        problems.add("container directory " + p + " has no rootfs record");
                    }
                }
            }
            return new StoreCheck(blobs.blobs(), blobs.bytes(), blobs.ingests(), images.size(), snaps.size(), uses.size(),
                    problems);
        } finally {
            gcLock.writeLock().unlock();
        }
    }

    @Override
    public long diskUsage() throws IOException {
        long snaps = index.all(Family.SNAPSHOTS, SnapshotRecord.class).values().stream().mapToLong(SnapshotRecord::size).sum();
        return content.totalSize() + snaps;
    }

    // ---------------------------------------------------------------- layouts and building

    @Override
    public List<Image> importLayout(Path layout, String repository) throws IOException {
        if (repository != null) {
            ImageNames.validate(repository + ":x");
        }
        try (Lease lease = content.leases().acquire("import-" + clock.millis() + "-" + Thread.currentThread().getId(),
                java.time.Duration.ofHours(1))) {
            List<Image> images;
            gcLock.readLock().lock();
            try {
                images = new OciLayouts(this, lease).importLayout(layout, repository);
            } finally {
                gcLock.readLock().unlock();
            }
            for (Image i : images) {
                enforceQuota(i.name());
            }
            return images;
        }
    }

    @Override
    public void exportLayout(List<String> names, Path target, boolean asTar) throws IOException {
        gcLock.readLock().lock();
        try {
            List<Image> images = new ArrayList<>();
            for (String n : names) {
                images.add(find(n).orElseThrow(() -> new ImageNotFoundException(n)));
            }
            new OciLayouts(this, null).exportLayout(images, target, asTar);
            for (Image i : images) {
                touchImage(i.name());
            }
        } finally {
            gcLock.readLock().unlock();
        }
    }

    @Override
    public Image createImage(String name, Path rootfs, ImageConfig.ExecConfig defaults) throws IOException {
        ImageNames.validate(name);
        try (Lease lease = content.leases().acquire("create-" + clock.millis() + "-" + Thread.currentThread().getId(),
                java.time.Duration.ofHours(1))) {
            Image image;
            gcLock.readLock().lock();
            try {
                Descriptor manifest = new ImageBuilder(content, lease, options.platform(), clock).build(rootfs, defaults);
                image = putImage(name, manifest);
            } finally {
                gcLock.readLock().unlock();
            }
            enforceQuota(name);
            return image;
        }
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void close() throws IOException {
        unpackers.shutdownNow();
        content.close();
        index.close();
    }

    /** After a crash: drop temporary snapshots, unindexed directories and entries whose directory is gone. */
    private void reconcile() throws IOException {
        Map<String, SnapshotRecord> indexed = index.all(Family.SNAPSHOTS, SnapshotRecord.class);
        Set<String> dirs = new HashSet<>();
        long maxId = 0;
        for (var e : indexed.entrySet()) {
            Path dir = snapshots.resolve(e.getValue().dir());
            if (Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                dirs.add(e.getValue().dir());
            } else {
                log.warn("image store {}: snapshot {} is indexed but {} is gone; removing the entry", root, e.getKey(), dir);
                index.delete(Family.SNAPSHOTS, e.getKey());
            }
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(snapshots)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!dirs.contains(n)) {
                    log.warn("image store {}: removing {} snapshot directory {}", root, n.startsWith("tmp-") ? "partial" : "orphan", p);
                    LocalContentStore.deleteTree(p);
                } else {
                    maxId = Math.max(maxId, Long.parseLong(n));
                }
            }
        }
        nextSnapshotId.set(maxId + 1);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, IMPORT_PREFIX + "*")) {
            for (Path p : ds) {
                log.warn("image store {}: removing the leftovers of an interrupted import {}", root, p);
                LocalContentStore.deleteTree(p);
            }
        }
        Map<String, UseRecord> uses = index.all(Family.USES, UseRecord.class);
        for (String id : uses.keySet()) {
            if (!Files.isDirectory(containers.resolve(id).resolve("upper"))) {
                log.warn("image store {}: dropping the rootfs record of container {} whose directories are gone", root, id);
                index.delete(Family.USES, id);
            }
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(containers)) {
            for (Path p : ds) {
                if (!uses.containsKey(p.getFileName().toString())) {
                    log.warn("image store {}: removing orphan container directory {}", root, p);
                    LocalContentStore.deleteTree(p);
                }
            }
        }
    }

    // ---------------------------------------------------------------- records

    /** An image name's entry; times in epoch milliseconds. */
    record ImageRecord(Descriptor target, long created, long lastUsed) {
        Image image(String name) {
            return new Image(name, target, Instant.ofEpochMilli(created), Instant.ofEpochMilli(lastUsed));
        }
    }

    /** A snapshot's entry: {@code dir} is its name under {@code snapshots/}. */
    record SnapshotRecord(Digest parent, String dir, long size, long created) {
        Snapshot snapshot(Digest chainId, Path snapshots) {
            return new Snapshot(chainId, parent, snapshots.resolve(dir), size, Instant.ofEpochMilli(created));
        }
    }

    /** A container's rootfs: the image and the chain of snapshots it stacks (the use counts of snapshots). */
    record UseRecord(String image, List<Digest> chain) {
    }
}
