package io.berth.scheduler.control;

import com.typesafe.config.Config;
import io.berth.protocol.cluster.SchedulerCommand;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.ORSet;
import org.apache.pekko.cluster.ddata.ORSetKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.slf4j.Logger;

/**
 * A set of strings the scheduler singleton keeps where the jobs are, for the singleton after it: Distributed Data
 * sets ({@code ORSet}) under the keys {@code <prefix>-0}, {@code <prefix>-1} ... (by a CRC-32 of the string, so that
 * a write carries a fraction of a large set), written to a majority of the scheduler nodes and made durable in
 * RocksDB by the same durable store as the job store's buckets (each prefix is among the durable keys of {@code
 * pekko-cluster.conf}). Allocations are not persisted by the schedulers (the agents hold them); what a new
 * singleton cannot learn from the agents is kept here:
 * <ul>
 *   <li>{@code known-nodes}: the nodes the singleton holds ready. A new singleton, after a failover or a restart of
 *   every node, waits for them to register before it places anything, so that an allocation on a node that comes
 *   back late is not placed again. A node leaves the set when it is declared down (its allocations are then placed
 *   elsewhere) or when a new singleton gave up waiting for it, so the wait stays bounded.</li>
 *   <li>{@code batch-done}: the batch allocations that completed ({@link Completion}). An agent stops reporting an
 *   ended allocation once the scheduler heard of its end, so without them a new singleton would run finished batch
 *   work again.</li>
 * </ul>
 *
 * <p>Changes are written at most once per {@link #flush} (the singleton calls it once a second), one write per
 * bucket that changed: thousands of changes at once cost a few writes, not one each. A write that no majority
 * confirms in time has still reached this node's copy and spreads from there; a singleton that dies in the second
 * before a flush loses that second's changes (a node registered in it is then like one that joined after it: its
 * agent's cluster member is still waited for while up).
 *
 * <p>Confined to the singleton's actor: the replicator's answers come back to it as {@link Loaded} and
 * {@link Saved}, which it hands to {@link #onLoaded} and {@link #onSaved} of the set they name.
 */
final class DurableSet {
    /** The prefix of the nodes the singleton holds ready. */
    static final String KNOWN_NODES = "known-nodes";
    /** The prefix of the completed batch allocations. */
    static final String BATCH_DONE = "batch-done";
    /** How many keys each set is spread over. Fixed: a string's key is derived from it. */
    static final int BUCKETS = 16;

    /** The replicator's answer to the read of one bucket at start. */
    record Loaded(DurableSet set, Replicator.GetResponse<ORSet<String>> response, boolean local)
            implements SchedulerCommand {}

    /** The replicator's answer to a write. */
    record Saved(DurableSet set, Replicator.UpdateResponse<ORSet<String>> response) implements SchedulerCommand {}

    private final List<Key<ORSet<String>>> keys;
    private final String what;
    private final ReplicatorMessageAdapter<SchedulerCommand, ORSet<String>> replicator;
    private final SelfUniqueAddress self;
    private final Replicator.ReadConsistency readMajority;
    private final Replicator.WriteConsistency writeMajority;
    private final Logger log;
    /** The strings as this singleton last read or wrote them; null until every bucket was read. */
    private Set<String> stored;
    private final Set<String> loading = new HashSet<>();
    private int bucketsToLoad;
    /** Changes not written yet: string -> whether it is added (true) or removed (false). */
    private final Map<String, Boolean> pending = new LinkedHashMap<>();

    /**
     * A set under the keys {@link #keys}{@code (prefix)}, named {@code what} in the log. Uses the timeouts of the
     * job store ({@code berth.jobs.read-timeout}, {@code write-timeout}): a read that no majority answers in time
     * falls back to this node's copy.
     */
    DurableSet(ActorContext<SchedulerCommand> ctx, String prefix, String what) {
        this.keys = keys(prefix);
        this.what = what;
        this.bucketsToLoad = keys.size();
        DistributedData ddata = DistributedData.get(ctx.getSystem());
        Config config = ctx.getSystem().settings().config().getConfig("berth.jobs");
        this.replicator = new ReplicatorMessageAdapter<>(ctx, ddata.replicator(),
                config.getDuration("read-timeout").plus(config.getDuration("write-timeout")));
        this.self = ddata.selfUniqueAddress();
        this.readMajority = new Replicator.ReadMajority(config.getDuration("read-timeout"));
        this.writeMajority = new Replicator.WriteMajority(config.getDuration("write-timeout"));
        this.log = ctx.getLog();
    }

    /** Reads every bucket from a majority of the scheduler nodes; {@link #onLoaded} says when all are in. */
    void load() {
        for (Key<ORSet<String>> key : keys) {
            replicator.askGet(ask -> new Replicator.Get<>(key, readMajority, ask), r -> new Loaded(this, r, false));
        }
    }

    /** Whether every bucket was read. */
    boolean loaded() {
        return stored != null;
    }

    /**
     * Takes in one bucket's answer; returns every string of the set once the last bucket is in, else null. A bucket
     * no majority answered is read again from this node's copy.
     */
    Set<String> onLoaded(Loaded loaded) {
        Replicator.GetResponse<ORSet<String>> response = loaded.response();
        if (response instanceof Replicator.GetSuccess<ORSet<String>> found) {
            loading.addAll(found.dataValue().getElements());
        } else if (response instanceof Replicator.GetFailure<ORSet<String>> && !loaded.local()) {
            log.warn("no majority of the scheduler nodes answered the read of the {} under {}: reading this node's "
                    + "copy", what, response.key().id());
            replicator.askGet(ask -> new Replicator.Get<>(response.key(), Replicator.readLocal(), ask),
                    r -> new Loaded(this, r, true));
            return null;
        } else if (!(response instanceof Replicator.NotFound<ORSet<String>>)) {
            log.warn("could not read the {} under {}: {}", what, response.key().id(), response);
        }
        if (--bucketsToLoad > 0) {
            return null;
        }
        stored = Set.copyOf(loading);
        loading.clear();
        return stored;
    }

    /** {@code s} joins the set at the next flush. */
    void add(String s) {
        pending.put(s, true);
    }

    /** {@code s} leaves the set at the next flush. */
    void remove(String s) {
        pending.put(s, false);
    }

    /** Writes what changed since the last flush, one update per bucket; nothing before the set was read. */
    void flush() {
        if (stored == null || pending.isEmpty()) {
            return;
        }
        Map<Integer, Map<String, Boolean>> byBucket = new HashMap<>();
        Set<String> next = new HashSet<>(stored);
        pending.forEach((s, added) -> {
            if (added ? next.add(s) : next.remove(s)) {
                byBucket.computeIfAbsent(bucket(s), b -> new LinkedHashMap<>()).put(s, added);
            }
        });
        pending.clear();
        stored = Set.copyOf(next);
        byBucket.forEach((bucket, changes) -> replicator.askUpdate(
                ask -> new Replicator.Update<>(keys.get(bucket), ORSet.create(), writeMajority, ask, set -> {
                    ORSet<String> s = set;
                    for (Map.Entry<String, Boolean> c : changes.entrySet()) {
                        s = c.getValue() ? s.add(self, c.getKey()) : s.remove(self, c.getKey());
                    }
                    return s;
                }), r -> new Saved(this, r)));
    }

    /**
     * Logs a write that no majority confirmed in time (it did reach this node's copy, which spreads it) or that
     * failed.
     */
    void onSaved(Saved saved) {
        Replicator.UpdateResponse<ORSet<String>> response = saved.response();
        if (response instanceof Replicator.UpdateTimeout<ORSet<String>>) {
            log.warn("the {} under {} were not confirmed by a majority of the scheduler nodes in time; this "
                    + "node's copy has them and spreads them", what, response.key().id());
        } else if (!(response instanceof Replicator.UpdateSuccess<ORSet<String>>)) {
            log.warn("could not write the {} under {}: {}", what, response.key().id(), response);
        }
    }

    /** The bucket of a string: a CRC-32, stable across JVMs and versions. */
    private int bucket(String s) {
        CRC32 crc = new CRC32();
        crc.update(s.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % keys.size());
    }

    /** The keys of the set {@code prefix}: {@code <prefix>-0} to {@code <prefix>-15}, in bucket order. */
    static List<Key<ORSet<String>>> keys(String prefix) {
        List<Key<ORSet<String>>> keys = new ArrayList<>(BUCKETS);
        for (int i = 0; i < BUCKETS; i++) {
            keys.add(ORSetKey.create(prefix + "-" + i));
        }
        return List.copyOf(keys);
    }
}
