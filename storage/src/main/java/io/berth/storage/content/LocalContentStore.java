package io.berth.storage.content;

import io.berth.protocol.oci.image.Descriptor;
import io.berth.protocol.oci.image.Digest;
import io.berth.protocol.oci.image.OciJson;
import io.berth.storage.content.MetadataIndex.Family;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The content store of one directory: {@code blobs/<alg>/<hex>} for committed blobs, {@code ingest/<id>/}
 * for ingests in progress, and a {@link MetadataIndex} whose {@code blobs} entry is the commit point (a
 * blob file without an entry is an orphan, removed when the store opens).
 *
 * <p>Writers are coordinated in-process (one process per store, enforced by RocksDB's lock file).
 */
public final class LocalContentStore implements ContentStore {

    private static final Logger log = LoggerFactory.getLogger(LocalContentStore.class);
    private static final Pattern REF = Pattern.compile("[A-Za-z0-9._:@+/-]{1,200}");
    static final String META = "meta";
    static final String DATA = "data";

    private final Path root;
    private final Path blobs;
    private final Path ingest;
    private final MetadataIndex index;
    private final boolean ownsIndex;
    private final Clock clock;
    private final LocalLeases leases;
    private final Set<String> held = new HashSet<>();
    /** Guards read-modify-writes of blob entries against deletes. */
    private final Object blobEntries = new Object();

    /**
     * Opens the store in {@code root} with an index of its own under {@code root/index}, reconciling the
     * index with the files.
     */
    public static LocalContentStore open(Path root) throws IOException {
        MetadataIndex index = MetadataIndex.open(root.resolve("index"));
        try {
            return new LocalContentStore(root, index, true, Clock.systemUTC());
        } catch (IOException | RuntimeException e) {
            index.close();
            throw e;
        }
    }

    /**
     * A store over an index that the caller owns (the image store shares one index between content and
     * images). Reconciles the index with the files.
     */
    public LocalContentStore(Path root, MetadataIndex index, Clock clock) throws IOException {
        this(root, index, false, clock);
    }

    private LocalContentStore(Path root, MetadataIndex index, boolean ownsIndex, Clock clock) throws IOException {
        this.root = root;
        this.blobs = root.resolve("blobs");
        this.ingest = root.resolve("ingest");
        this.index = index;
        this.ownsIndex = ownsIndex;
        this.clock = clock;
        this.leases = new LocalLeases(index, clock);
        Files.createDirectories(blobs.resolve("sha256"));
        Files.createDirectories(ingest);
        reconcile();
    }

    public Path root() {
        return root;
    }

    /** The file of a committed blob, for callers in this module that need random access (unpacking, export). */
    public Path blobPath(Digest digest) {
        return blobs.resolve(digest.algorithm()).resolve(digest.hex());
    }

    // ---------------------------------------------------------------- reading

    @Override
    public Optional<BlobInfo> info(Digest digest) throws IOException {
        return index.get(Family.BLOBS, digest.toString(), BlobRecord.class).map(r -> r.info(digest));
    }

    @Override
    public InputStream open(Digest digest, long offset) throws IOException {
        BlobInfo info = info(digest).orElseThrow(() -> new BlobNotFoundException(digest));
        if (offset < 0 || offset > info.size()) {
            throw new IllegalArgumentException("offset " + offset + " outside blob " + digest + " of " + info.size() + " bytes");
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(blobPath(digest), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            // Only possible if someone removed the file behind the store's back: drop the dangling entry.
            log.warn("blob {} is indexed but its file is gone; removing the entry", digest);
            index.delete(Family.BLOBS, digest.toString());
            throw new BlobNotFoundException(digest);
        }
        channel.position(offset);
        maybeTouch(info);
        return Channels.newInputStream(channel);
    }

    @Override
    public byte[] readAll(Digest digest, long maxSize) throws IOException {
        BlobInfo info = info(digest).orElseThrow(() -> new BlobNotFoundException(digest));
        if (info.size() > maxSize) {
            throw new StoreException("blob " + digest + " is " + info.size() + " bytes, more than the " + maxSize
                    + " allowed for a document");
        }
        try (InputStream in = open(digest, 0)) {
            return in.readAllBytes();
        }
    }

    // ---------------------------------------------------------------- index

    @Override
    public List<BlobInfo> list() throws IOException {
        List<BlobInfo> result = new ArrayList<>();
        index.all(Family.BLOBS, BlobRecord.class).forEach((k, r) -> result.add(r.info(Digest.parse(k))));
        return result;
    }

    @Override
    public void touch(Digest digest) throws IOException {
        // Read-modify-write: under the same lock as delete, or a touch racing a delete would resurrect the entry.
        synchronized (blobEntries) {
            Optional<BlobRecord> r = index.get(Family.BLOBS, digest.toString(), BlobRecord.class);
            if (r.isPresent()) {
                index.putRelaxed(Family.BLOBS, digest.toString(), r.get().usedAt(clock.millis()));
            }
        }
    }

    @Override
    public long totalSize() throws IOException {
        return index.all(Family.BLOBS, BlobRecord.class).values().stream().mapToLong(BlobRecord::size).sum();
    }

    @Override
    public boolean delete(Digest digest) throws IOException {
        // Entry and file go together under the lock, so a commit of the same digest cannot slip in between.
        synchronized (blobEntries) {
            if (info(digest).isEmpty()) {
                return false;
            }
            index.delete(Family.BLOBS, digest.toString());
            Files.deleteIfExists(blobPath(digest));
            return true;
        }
    }

    @Override
    public Leases leases() {
        return leases;
    }

    // ---------------------------------------------------------------- ingest

    @Override
    public BlobWriter writer(String ref, Descriptor expected, Duration wait) throws IOException {
        if (ref == null || !REF.matcher(ref).matches()) {
            throw new IllegalArgumentException("ingest ref '" + ref + "': use 1-200 characters of [A-Za-z0-9._:@+/-]");
        }
        List<String> keys = new ArrayList<>(List.of("ref:" + ref));
        if (expected != null) {
            expected.validate("expected");
            keys.add("digest:" + expected.digest());
        }
        acquire(keys, wait);
        try {
            if (expected != null) {
                Optional<BlobInfo> existing = info(expected.digest());
                if (existing.isPresent()) {
                    throw new BlobExistsException(existing.get());
                }
            }
            return new IngestWriter(this, ref, ingestDir(ref), expected, keys);
        } catch (IOException | RuntimeException e) {
            release(keys);
            throw e;
        }
    }

    @Override
    public List<IngestStatus> ingests() throws IOException {
        List<IngestStatus> result = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(ingest)) {
            for (Path dir : dirs) {
                Optional<IngestMeta> meta = readMeta(dir);
                if (meta.isEmpty()) {
                    continue;
                }
                Path data = dir.resolve(DATA);
                long size = Files.exists(data) ? Files.size(data) : 0;
                FileTime updated = Files.getLastModifiedTime(Files.exists(data) ? data : dir);
                boolean open;
                synchronized (held) {
                    open = held.contains("ref:" + meta.get().ref());
                }
                result.add(new IngestStatus(meta.get().ref(), meta.get().expected(), size, updated.toInstant(), open));
            }
        }
        return result;
    }

    @Override
    public void abort(String ref) throws IOException {
        List<String> keys = List.of("ref:" + ref);
        synchronized (held) {
            if (held.contains(keys.get(0))) {
                throw new StoreException("ingest '" + ref + "' is being written; close its writer first");
            }
            held.add(keys.get(0));
        }
        try {
            deleteTree(ingestDir(ref));
        } finally {
            release(keys);
        }
    }

    /**
     * What live leases hold, for garbage collection.
     *
     * @param expired how many expired leases were deleted while reading them
     */
    public record LeaseHolds(Set<Digest> blobs, Set<Digest> snapshots, int expired) {
    }

    /** A body that may throw {@link IOException}. */
    public interface IoCallable<T> {
        T call() throws IOException;
    }

    /** What the live leases hold; expired leases are deleted. */
    public LeaseHolds leaseHolds() throws IOException {
        return leases.holds();
    }

    /**
     * Runs {@code body} with every lease update blocked, so a garbage collection sweeps against the holds it
     * read: a pull that adds a blob to its lease meanwhile waits, then finds the blob gone and fetches it.
     */
    public <T> T withLeasesFrozen(IoCallable<T> body) throws IOException {
        return leases.frozen(body);
    }

    /** Deletes interrupted ingests not written to for {@code age}; returns their refs. */
    public List<String> deleteStaleIngests(Duration age) throws IOException {
        List<String> removed = new ArrayList<>();
        Instant cutoff = clock.instant().minus(age);
        for (IngestStatus s : ingests()) {
            if (!s.open() && s.updatedAt().isBefore(cutoff)) {
                try {
                    abort(s.ref());
                    removed.add(s.ref());
                } catch (StoreException e) {
                    log.debug("ingest {} was reopened while collecting it", s.ref());
                }
            }
        }
        return removed;
    }

    /**
     * What {@link #check} found.
     *
     * @param blobs    indexed blobs read back
     * @param bytes    their bytes, all hashed
     * @param ingests  interrupted or running ingests (resumable, never served)
     * @param problems one line per inconsistency, naming the digest or file; empty when the store is sound
     */
    public record Check(int blobs, long bytes, int ingests, List<String> problems) {
    }

    /**
     * Checks the store against its index without changing anything: every indexed blob has its file, of the
     * indexed size and with the indexed digest (every byte is read and hashed); no blob file lacks an entry;
     * every ingest directory says what it ingests. A sound store after a crash is what opening it promises,
     * so any problem here is a bug or damage from outside (a disk error, a hand-edited file). Safe while the
     * store is in use; it reads every blob, so it takes as long as reading the store once.
     */
    public Check check() throws IOException {
        List<String> problems = new ArrayList<>();
        int count = 0;
        long bytes = 0;
        for (BlobInfo b : list()) {
            count++;
            bytes += b.size();
            verifyFile(b, problems);
        }
        // Under the lock publish and delete take, so a blob between its rename and its entry is not an orphan.
        synchronized (blobEntries) {
            try (DirectoryStream<Path> algs = Files.newDirectoryStream(blobs)) {
                for (Path alg : algs) {
                    if (!Files.isDirectory(alg, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        problems.add("blobs/" + alg.getFileName() + " is not a directory of blobs");
                        continue;
                    }
                    try (DirectoryStream<Path> files = Files.newDirectoryStream(alg)) {
                        for (Path f : files) {
                            String key = alg.getFileName() + ":" + f.getFileName();
                            boolean indexed;
                            try {
                                indexed = info(Digest.parse(key)).isPresent();
                            } catch (IllegalArgumentException e) {
                                indexed = false;
                            }
                            if (!indexed) {
                                problems.add("blob file " + f + " has no index entry (an orphan a crash left)");
                            }
                        }
                    }
                }
            }
        }
        int ingests = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(ingest)) {
            for (Path dir : dirs) {
                ingests++;
                if (readMeta(dir).isEmpty()) {
                    problems.add("ingest " + dir + " has no readable " + META + " file");
                }
            }
        }
        return new Check(count, bytes, ingests, List.copyOf(problems));
    }

    private void verifyFile(BlobInfo b, List<String> problems) throws IOException {
        Path file = blobPath(b.digest());
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            if (info(b.digest()).isPresent()) {  // not deleted meanwhile
                problems.add("blob " + b.digest() + " is indexed but its file " + file + " is missing");
            }
            return;
        }
        if (size != b.size()) {
            problems.add("blob " + b.digest() + " is indexed with " + b.size() + " bytes but " + file + " has " + size);
            return;
        }
        java.security.MessageDigest md = b.digest().newMessageDigest();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                md.update(buffer, 0, n);
            }
        } catch (NoSuchFileException e) {
            return;  // deleted by a garbage collection while it was read
        }
        if (!b.digest().matches(md.digest())) {
            problems.add("blob " + b.digest() + ": the content of " + file + " does not have that digest");
        }
    }

    @Override
    public void close() throws IOException {
        if (ownsIndex) {
            index.close();
        }
    }

    // ---------------------------------------------------------------- internals used by IngestWriter

    Path ingestDir(String ref) {
        return ingest.resolve(Digest.sha256(ref.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hex());
    }

    Clock clock() {
        return clock;
    }

    /** Publishes a verified ingest: rename, fsync the directory, then the index entry (the commit point). */
    BlobInfo publish(Path data, Digest digest, long size, String mediaType) throws IOException {
        synchronized (blobEntries) {
            return publishLocked(data, digest, size, mediaType);
        }
    }

    private BlobInfo publishLocked(Path data, Digest digest, long size, String mediaType) throws IOException {
        Optional<BlobInfo> existing = info(digest);
        if (existing.isPresent()) {
            return existing.get();
        }
        Path dir = blobs.resolve(digest.algorithm());
        Files.createDirectories(dir);
        Path target = dir.resolve(digest.hex());
        Files.move(data, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(dir);
        long now = clock.millis();
        BlobRecord record = new BlobRecord(size, mediaType, now, now);
        index.put(Family.BLOBS, digest.toString(), record);
        return record.info(digest);
    }

    void release(List<String> keys) {
        synchronized (held) {
            keys.forEach(held::remove);
            held.notifyAll();
        }
    }

    private void acquire(List<String> keys, Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        synchronized (held) {
            while (keys.stream().anyMatch(held::contains)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new StoreException("ingest " + keys + " is held by another writer after waiting "
                            + wait.toMillis() + " ms; retry later");
                }
                try {
                    held.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for ingest " + keys);
                }
            }
            held.addAll(keys);
        }
    }

    private void maybeTouch(BlobInfo info) throws IOException {
        // Writing the index on every read would cost a synced write per layer read; a minute is fine for LRU.
        if (info.lastUsed().isBefore(clock.instant().minusSeconds(60))) {
            touch(info.digest());
        }
    }

    static Optional<IngestMeta> readMeta(Path dir) {
        try {
            return Optional.of(OciJson.read(Files.readAllBytes(dir.resolve(META)), IngestMeta.class, "ingest " + dir));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Opening after a crash: drop entries whose file is missing or short, delete unindexed files and broken ingests,
     * and drop every lease.
     */
    private void reconcile() throws IOException {
        // Leases belong to the pulls, imports and builds of the one process that has the store open (RocksDB's lock
        // lets in one): any found now were left by a process that died in the middle of one, and would pin its
        // content until they expire, hours later.
        List<String> stale = new ArrayList<>(index.all(Family.LEASES, LocalLeases.LeaseRecord.class).keySet());
        if (!stale.isEmpty()) {
            log.warn("content store {}: dropping {} leases an earlier process left: {}", root, stale.size(), stale);
            index.deleteAll(Family.LEASES, stale);
        }
        Set<String> indexed = new HashSet<>();
        List<String> dangling = new ArrayList<>();
        index.all(Family.BLOBS, BlobRecord.class).forEach((key, record) -> {
            Digest d = Digest.parse(key);
            Path p = blobPath(d);
            try {
                if (Files.size(p) == record.size()) {
                    indexed.add(key);
                    return;
                }
            } catch (IOException e) {
                // missing: dangling
            }
            dangling.add(key);
        });
        if (!dangling.isEmpty()) {
            log.warn("content store {}: removing {} index entries whose blob file is missing or short: {}", root, dangling.size(), dangling);
            index.deleteAll(Family.BLOBS, dangling);
            for (String key : dangling) {
                Files.deleteIfExists(blobPath(Digest.parse(key)));
            }
        }
        try (DirectoryStream<Path> algs = Files.newDirectoryStream(blobs)) {
            for (Path alg : algs) {
                if (!Files.isDirectory(alg)) {
                    Files.delete(alg);
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(alg)) {
                    for (Path f : files) {
                        String key = alg.getFileName() + ":" + f.getFileName();
                        if (!indexed.contains(key)) {
                            log.warn("content store {}: removing orphan blob file {}", root, f);
                            deleteTree(f);
                        }
                    }
                }
            }
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(ingest)) {
            for (Path dir : dirs) {
                if (readMeta(dir).isEmpty()) {
                    log.warn("content store {}: removing unreadable ingest {}", root, dir);
                    deleteTree(dir);
                }
            }
        }
    }

    /** Deletes a file or a directory tree without following symbolic links. */
    public static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(path, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(dir);
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
    }

    /** fsync of a directory, so a rename in it survives a power loss. */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Whether an I/O failure is ENOSPC (the JDK only reports it in the message). */
    public static boolean isNoSpace(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && (t.getMessage().contains("No space left") || t.getMessage().contains("Disk quota exceeded"))) {
                return true;
            }
        }
        return false;
    }

    /** The index record of a blob; times in epoch milliseconds. */
    record BlobRecord(long size, String mediaType, long created, long lastUsed) {
        BlobInfo info(Digest digest) {
            return new BlobInfo(digest, size, mediaType, Instant.ofEpochMilli(created), Instant.ofEpochMilli(lastUsed));
        }

        BlobRecord usedAt(long millis) {
            return new BlobRecord(size, mediaType, created, millis);
        }
    }

    /** What an ingest directory says about itself, so a resumed writer knows what it was writing. */
    record IngestMeta(String ref, Digest expected, long expectedSize, String mediaType) {
    }
}
