package io.berth.storage.content;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** Creates and lists {@link Lease}s. Thread-safe. */
public interface Leases {

    /**
     * Creates a lease, or renews the one with this id (keeping what it holds).
     *
     * @param id  1–200 characters, e.g. {@code pull-docker.io/library/busybox:1.36}
     * @param ttl how long it holds content if never released (a crashed pull must not pin content forever)
     */
    Lease acquire(String id, Duration ttl) throws IOException;

    /** The leases that have not expired. */
    List<Lease> active() throws IOException;
}
