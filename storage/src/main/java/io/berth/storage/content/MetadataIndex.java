package io.berth.storage.content;

import io.berth.protocol.oci.image.OciJson;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The store's RocksDB index: one column family per kind of record, keys as UTF-8 strings, values as JSON
 * (readable with {@code ldb}, and records may grow fields). Every write is synced, because the index is the
 * commit point of blobs, images and snapshots. Thread-safe (RocksDB is).
 */
public final class MetadataIndex implements AutoCloseable {

    /** The column families. */
    public enum Family {
        /** digest → blob info. */
        BLOBS("blobs"),
        /** image name → target descriptor and times. */
        IMAGES("images"),
        /** lease id → expiry and held content. */
        LEASES("leases"),
        /** chainID → snapshot directory, parent, size. */
        SNAPSHOTS("snapshots"),
        /** container id → the snapshot chain its rootfs uses (the use counts of snapshots). */
        USES("uses");

        private final String cfName;

        Family(String cfName) {
            this.cfName = cfName;
        }
    }

    static {
        RocksDB.loadLibrary();
    }

    private final Path dir;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final List<ColumnFamilyHandle> handles = new ArrayList<>();
    private final Map<Family, ColumnFamilyHandle> families = new LinkedHashMap<>();
    private final WriteOptions syncWrites = new WriteOptions().setSync(true);
    private final WriteOptions relaxedWrites = new WriteOptions().setSync(false);
    private final RocksDB db;

    private MetadataIndex(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
        dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true).setKeepLogFileNum(2);
        cfOptions = new ColumnFamilyOptions();
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
        for (Family f : Family.values()) {
            descriptors.add(new ColumnFamilyDescriptor(f.cfName.getBytes(StandardCharsets.UTF_8), cfOptions));
        }
        try {
            db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
        } catch (RocksDBException e) {
            dbOptions.close();
            cfOptions.close();
            syncWrites.close();
            relaxedWrites.close();
            String msg = String.valueOf(e.getMessage());
            if (msg.contains("lock")) {
                throw new StoreException("store index " + dir + " is in use by another process (" + msg
                        + "); stop the other agent or point this one at another directory", e);
            }
            throw new StoreException("cannot open store index " + dir + ": " + msg, e);
        }
        for (Family f : Family.values()) {
            families.put(f, handles.get(f.ordinal() + 1));
        }
    }

    /**
     * Opens (creating if needed) the index in {@code dir}.
     *
     * @throws StoreException when another process holds it or it cannot be opened
     */
    public static MetadataIndex open(Path dir) throws IOException {
        return new MetadataIndex(dir);
    }

    public Path dir() {
        return dir;
    }

    /** Reads and decodes the record under {@code key}, or empty. */
    public <T> Optional<T> get(Family family, String key, Class<T> type) throws IOException {
        try {
            byte[] value = db.get(families.get(family), utf8(key));
            return value == null ? Optional.empty() : Optional.of(decode(value, type, family, key));
        } catch (RocksDBException e) {
            throw failure("read " + family.cfName + "/" + key, e);
        }
    }

    /** Writes (synced). */
    public void put(Family family, String key, Object value) throws IOException {
        try {
            db.put(families.get(family), syncWrites, utf8(key), OciJson.write(value));
        } catch (RocksDBException e) {
            throw failure("write " + family.cfName + "/" + key, e);
        }
    }

    /**
     * Writes without waiting for the disk: for advisory fields (last-used times) where losing the update in
     * a power cut is harmless and a synced write per read would cost milliseconds.
     */
    public void putRelaxed(Family family, String key, Object value) throws IOException {
        try {
            db.put(families.get(family), relaxedWrites, utf8(key), OciJson.write(value));
        } catch (RocksDBException e) {
            throw failure("write " + family.cfName + "/" + key, e);
        }
    }

    /** Deletes (synced); nothing happens when absent. */
    public void delete(Family family, String key) throws IOException {
        try {
            db.delete(families.get(family), syncWrites, utf8(key));
        } catch (RocksDBException e) {
            throw failure("delete " + family.cfName + "/" + key, e);
        }
    }

    /** Deletes several keys atomically (synced). */
    public void deleteAll(Family family, List<String> keys) throws IOException {
        try (WriteBatch batch = new WriteBatch()) {
            for (String k : keys) {
                batch.delete(families.get(family), utf8(k));
            }
            db.write(syncWrites, batch);
        } catch (RocksDBException e) {
            throw failure("delete " + keys.size() + " keys of " + family.cfName, e);
        }
    }

    /** Every record of a family in key order (the families are small: thousands of entries, not millions). */
    public <T> Map<String, T> all(Family family, Class<T> type) throws IOException {
        Map<String, T> result = new LinkedHashMap<>();
        try (RocksIterator it = db.newIterator(families.get(family))) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                String key = new String(it.key(), StandardCharsets.UTF_8);
                result.put(key, decode(it.value(), type, family, key));
            }
            it.status();
        } catch (RocksDBException e) {
            throw failure("scan " + family.cfName, e);
        }
        return result;
    }

    @Override
    public void close() {
        for (ColumnFamilyHandle h : handles) {
            h.close();
        }
        db.close();
        syncWrites.close();
        relaxedWrites.close();
        dbOptions.close();
        cfOptions.close();
    }

    private <T> T decode(byte[] value, Class<T> type, Family family, String key) {
        return OciJson.read(value, type, "store index " + dir + " " + family.cfName + "/" + key);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private StoreException failure(String what, RocksDBException e) {
        return new StoreException("store index " + dir + ": cannot " + what + ": " + e.getMessage(), e);
    }
}
