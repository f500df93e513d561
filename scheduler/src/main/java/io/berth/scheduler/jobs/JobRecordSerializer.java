package io.berth.scheduler.jobs;

import java.io.NotSerializableException;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.apache.pekko.serialization.jackson.JacksonCborSerializer;

/**
 * Serializes {@link JobRecord}s as the {@code jackson-cbor} binding does, remembering the bytes of each record
 * instance for as long as it lives. A job store bucket is a map of about 20 records and the replicator
 * serializes the whole of it for each write (for the durable store, for digests, for gossip) although one
 * record changed: the others are the same immutable instances, so their bytes are reused.
 *
 * <p>Bound to {@code JobRecord} in {@code reference.conf}; data written with {@code jackson-cbor} (before this
 * binding) is still read by that serializer, whose identifier it carries. Thread-safe: Pekko calls serializers
 * from any thread.
 */
public final class JobRecordSerializer extends SerializerWithStringManifest {
    /** Outside Pekko's reserved 0 to 40 and the other bindings of this project (none). */
    static final int IDENTIFIER = 7_701;

    private final JacksonCborSerializer cbor;
    private final Map<Identity, byte[]> cache = new ConcurrentHashMap<>();
    private final ReferenceQueue<JobRecord> collected = new ReferenceQueue<>();

    public JobRecordSerializer(ExtendedActorSystem system) {
        this.cbor = new JacksonCborSerializer(system, "jackson-cbor");
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public String manifest(Object o) {
        return cbor.manifest(o);
    }

    /** The record's bytes; the same array for the same instance (callers must not change it: Pekko's do not). */
    @Override
    public byte[] toBinary(Object o) {
        if (!(o instanceof JobRecord record)) {
            throw new IllegalArgumentException("JobRecordSerializer serializes job records, not " + o.getClass());
        }
        forgetCollected();
        Identity key = new Identity(record, null);
        byte[] bytes = cache.get(key);
        if (bytes == null) {
            bytes = cbor.toBinary(record);
            cache.put(new Identity(record, collected), bytes);
        }
        return bytes;
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        return cbor.fromBinary(bytes, manifest);
    }

    /** How many records have their bytes remembered (for tests). */
    int cached() {
        forgetCollected();
        return cache.size();
    }

    private void forgetCollected() {
        for (var ref = collected.poll(); ref != null; ref = collected.poll()) {
            cache.remove(ref);
        }
    }

    /** A weak reference equal to another only while both refer to the same live instance. */
    private static final class Identity extends WeakReference<JobRecord> {
        private final int hash;

        Identity(JobRecord record, ReferenceQueue<JobRecord> queue) {
            super(record, queue);
            this.hash = System.identityHashCode(record);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object other) {
            if (this == other) {
                return true;
            }
            JobRecord record = get();
            return record != null && other instanceof Identity that && that.get() == record;
        }
    }
}
