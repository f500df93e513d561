package io.berth.storage.content;

import io.berth.protocol.oci.image.Digest;
import io.berth.storage.content.MetadataIndex.Family;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** Leases persisted in the {@code leases} column family; updates are serialised on this object. */
final class LocalLeases implements Leases {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:@+/-]{1,200}");

    private final MetadataIndex index;
    private final Clock clock;

    LocalLeases(MetadataIndex index, Clock clock) {
        this.index = index;
        this.clock = clock;
    }

    @Override
    public synchronized Lease acquire(String id, Duration ttl) throws IOException {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("lease id '" + id + "': use 1-200 characters of [A-Za-z0-9._:@+/-]");
        }
        LeaseRecord old = index.get(Family.LEASES, id, LeaseRecord.class).orElse(new LeaseRecord(0, List.of(), List.of()));
        index.put(Family.LEASES, id, new LeaseRecord(clock.millis() + ttl.toMillis(), old.blobs(), old.snapshots()));
        return new Handle(id);
    }

    @Override
    public synchronized List<Lease> active() throws IOException {
        List<Lease> result = new ArrayList<>();
        long now = clock.millis();
        for (var e : index.all(Family.LEASES, LeaseRecord.class).entrySet()) {
            if (e.getValue().expiresAt() > now) {
                result.add(new Handle(e.getKey()));
            }
        }
        return result;
    }

    /** What the live leases hold; deletes the expired ones. */
    synchronized LocalContentStore.LeaseHolds holds() throws IOException {
        long now = clock.millis();
        List<String> expired = new ArrayList<>();
        Set<Digest> blobs = new java.util.HashSet<>();
        Set<Digest> snapshots = new java.util.HashSet<>();
        index.all(Family.LEASES, LeaseRecord.class).forEach((k, v) -> {
            if (v.expiresAt() <= now) {
                expired.add(k);
            } else {
                blobs.addAll(v.blobs());
                snapshots.addAll(v.snapshots());
            }
        });
        index.deleteAll(Family.LEASES, expired);
        return new LocalContentStore.LeaseHolds(blobs, snapshots, expired.size());
    }

    /** Runs {@code body} while no lease can change (every update is synchronized on this object). */
    synchronized <T> T frozen(LocalContentStore.IoCallable<T> body) throws IOException {
        return body.call();
    }

    private synchronized LeaseRecord record(String id) throws IOException {
        return index.get(Family.LEASES, id, LeaseRecord.class).orElse(new LeaseRecord(0, List.of(), List.of()));
    }

    private synchronized void update(String id, Digest blob, Digest snapshot) throws IOException {
        LeaseRecord r = index.get(Family.LEASES, id, LeaseRecord.class)
                .orElseThrow(() -> new StoreException("lease '" + id + "' was released or has expired; acquire it again"));
        Set<Digest> blobs = new TreeSet<>(r.blobs());
        Set<Digest> snapshots = new TreeSet<>(r.snapshots());
        if (blob != null) {
            blobs.add(blob);
        }
        if (snapshot != null) {
            snapshots.add(snapshot);
        }
        index.put(Family.LEASES, id, new LeaseRecord(r.expiresAt(), List.copyOf(blobs), List.copyOf(snapshots)));
    }

    private synchronized void release(String id) throws IOException {
        index.delete(Family.LEASES, id);
    }

    /** Persisted form; expiry in epoch milliseconds. */
    record LeaseRecord(long expiresAt, List<Digest> blobs, List<Digest> snapshots) {
        LeaseRecord {
            blobs = blobs == null ? List.of() : List.copyOf(blobs);
            snapshots = snapshots == null ? List.of() : List.copyOf(snapshots);
        }
    }

    private final class Handle implements Lease {
        private final String id;

        Handle(String id) {
            this.id = id;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public Instant expiresAt() {
            try {
                return Instant.ofEpochMilli(record(id).expiresAt());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void addBlob(Digest digest) throws IOException {
            update(id, digest, null);
        }

        @Override
        public void addSnapshot(Digest chainId) throws IOException {
            update(id, null, chainId);
        }

        @Override
        public Set<Digest> blobs() throws IOException {
            return Set.copyOf(record(id).blobs());
        }

        @Override
        public Set<Digest> snapshots() throws IOException {
            return Set.copyOf(record(id).snapshots());
        }

        @Override
        public void close() throws IOException {
            release(id);
        }
    }
}
