package io.berth.storage.durable;

import com.typesafe.config.Config;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.cluster.ddata.DurableStore;
import org.apache.pekko.cluster.ddata.GCounter;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The durable store of a Distributed Data {@code Replicator}, on RocksDB. Configure it with
 * {@code pekko.cluster.distributed-data.durable.store-actor-class = io.berth.storage.durable.RocksDbDurableStore}
 * and the directory in {@code pekko.cluster.distributed-data.durable.rocksdb.dir} (used as given: one
 * directory per node, which RocksDB locks while the node runs).
 *
 * <p>It speaks {@link DurableStore}'s protocol: {@code LoadAll} is answered with one {@code LoadData} of every
 * stored key and {@code LoadAllCompleted} (or fails with {@code LoadFailed}, which stops the replicator);
 * {@code Store} writes one key, each value being the {@code DurableDataEnvelope} as Pekko's own serializer writes
 * it, and answers the {@code StoreReply}'s success message only once the write is fsynced. The replicator
 * acknowledges a majority write only after the durable stores of the majority answered, so an acknowledged write
 * is on disk on a majority of nodes.
 *
 * <p>Writes are committed in groups: a {@code Store} is queued and a flush is sent to this actor behind it; the
 * flush writes every store queued until then (the newest envelope of each key: each is a merge of the ones
 * before) in one RocksDB batch with {@code sync}, then answers them all. Under load, the stores that arrive while
 * one fsync runs share the next one; alone, a store costs one fsync as before. A batch is atomic and the WAL is
 * synced, so a crash at any moment leaves each key at the last acknowledged envelope or a newer one.
 *
 * <p>A classic actor (the replicator creates it from this class with the {@code durable} section of its config),
 * run on the replicator's pinned dispatcher because it blocks on the disk.
 */
public final class RocksDbDurableStore extends AbstractActor {
    private static final Logger LOG = LoggerFactory.getLogger(RocksDbDurableStore.class);

    static {
        RocksDB.loadLibrary();
    }

    private enum Flush { INSTANCE }

    private final Path dir;
    private final SerializerWithStringManifest serializer;
    private final String manifest;
    private final WriteOptions sync = new WriteOptions().setSync(true);
    private final LinkedHashMap<String, DurableStore.DurableDataEnvelope> pending = new LinkedHashMap<>();
    private final List<DurableStore.StoreReply> pendingReplies = new ArrayList<>();
    private Options options;
    private RocksDB db;
    private boolean flushQueued;

    /** @param config the {@code durable} section of the replicator's config; {@code rocksdb.dir} names the directory */
    public RocksDbDurableStore(Config config) {
        String configured = config.getString("rocksdb.dir");
        this.dir = configured.isEmpty() ? null : Paths.get(configured).toAbsolutePath();
        try {
            this.serializer = (SerializerWithStringManifest) SerializationExtension.get(getContext().getSystem())
                    .serializerFor(DurableStore.DurableDataEnvelope.class);
        } catch (java.io.NotSerializableException e) {
            throw new IllegalStateException("Distributed Data's serializer is not configured", e);
        }
        // every envelope has the same manifest, whatever data it carries
        this.manifest = serializer.manifest(new DurableStore.DurableDataEnvelope(GCounter.create()));
    }

    @Override
    public Receive createReceive() {
        return receiveBuilder()
                .matchEquals(DurableStore.LoadAll$.MODULE$, load -> loadAll())
                .build();
    }

    private Receive active() {
        return receiveBuilder()
                .match(DurableStore.Store.class, this::onStore)
                .matchEquals(Flush.INSTANCE, flush -> flush())
                .build();
    }

    private void loadAll() {
        long start = System.nanoTime();
        Map<String, DurableStore.DurableDataEnvelope> loaded = new HashMap<>();
        if (dir == null) {
            throw new DurableStore.LoadFailed("pekko.cluster.distributed-data.durable.rocksdb.dir is not set: name "
                    + "the directory of this node's durable data (BerthCluster sets <data-dir>/ddata)");
        }
        try {
            open();
            try (RocksIterator it = db.newIterator()) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    String key = new String(it.key(), StandardCharsets.UTF_8);
                    loaded.put(key, (DurableStore.DurableDataEnvelope) serializer.fromBinary(it.value(), manifest));
                }
                it.status();
            }
        } catch (Exception e) {
            throw new DurableStore.LoadFailed("cannot load the durable data in " + dir + ": " + e.getMessage(), e);
        }
        if (!loaded.isEmpty()) {
            getSender().tell(new DurableStore.LoadData(
                    scala.collection.immutable.Map$.MODULE$.from(CollectionConverters.asScala(loaded))), getSelf());
        }
        getSender().tell(DurableStore.LoadAllCompleted$.MODULE$, getSelf());
        LOG.info("loaded {} durable data entries from {} in {} ms", loaded.size(), dir,
                (System.nanoTime() - start) / 1_000_000);
        getContext().become(active());
    }

    private void open() throws java.io.IOException, RocksDBException {
        Files.createDirectories(dir);
        options = new Options().setCreateIfMissing(true).setKeepLogFileNum(2);
        db = RocksDB.open(options, dir.toString());
    }

    /**
     * After a restart by the replicator's supervisor (an unexpected exception) the data is already loaded: reopen
     * and take stores again, as Pekko's LMDB store does (the failed instance's {@link #postStop} wrote and
     * answered what it had queued).
     */
    @Override
    public void postRestart(Throwable reason) throws Exception {
        super.postRestart(reason);
        open();
        getContext().become(active());
    }

    private void onStore(DurableStore.Store store) {
        pending.remove(store.key()); // keep the order of the newest write of each key
        pending.put(store.key(), store.data());
        if (store.reply().isDefined()) {
            pendingReplies.add(store.reply().get());
        }
        if (!flushQueued) {
            flushQueued = true;
            getSelf().tell(Flush.INSTANCE, ActorRef.noSender());
        }
    }

    private void flush() {
        flushQueued = false;
        if (pending.isEmpty()) {
            return;
        }
        boolean stored;
        try (WriteBatch batch = new WriteBatch()) {
            for (Map.Entry<String, DurableStore.DurableDataEnvelope> e : pending.entrySet()) {
                batch.put(e.getKey().getBytes(StandardCharsets.UTF_8), serializer.toBinary(e.getValue()));
            }
            db.write(sync, batch);
            stored = true;
        } catch (RocksDBException | RuntimeException e) {
            LOG.error("cannot store durable data {} in {}", pending.keySet(), dir, e);
            stored = false;
        }
        for (DurableStore.StoreReply reply : pendingReplies) {
            // sent from this actor: a write aggregator counts an acknowledgement by its sender's node
            reply.replyTo().tell(stored ? reply.successMsg() : reply.failureMsg(), getSelf());
        }
        pending.clear();
        pendingReplies.clear();
    }

    @Override
    public void postStop() {
        if (db != null) {
            flush();
            db.close();
            options.close();
        }
        sync.close();
    }
}
