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
 * The names of the nodes the scheduler singleton holds ready, kept where the jobs are: Distributed Data sets
 * ({@code ORSet}) under the keys {@code known-nodes-0} ... {@code known-nodes-15} (by a CRC-32 of the name, so that
 * a write carries a sixteenth of a large cluster), written to a majority of the scheduler nodes and made durable in
 * RocksDB by the same durable store as the job store's buckets. Allocations are not persisted by the schedulers
 * (the agents hold them), so a new singleton, after a failover or a restart of every node, learns from this set which
 * nodes may hold allocations it has not heard of yet, and waits for them to register before it places anything.
 *
 * <p>A node enters the set when it registers and leaves it when the singleton declares it down (its allocations
 * are then placed elsewhere, so nothing is left to wait for), or when a new singleton gave up waiting for it: the
 * set holds only nodes that were ready, and the wait stays bounded. Changes are written at most once per
 * {@link #flush} (the singleton calls it once a second), one write per bucket that changed: thousands of nodes
 * registering at once cost a few writes, not one each. A write that no majority confirms in time has still reached
 * this node's copy and spreads from there; a singleton that dies in the second before a flush leaves out the nodes
 * registered in that second, which then are like nodes that joined after it (their agents' cluster members are
 * still waited for while up).
 *
 * <p>Confined to the singleton's actor: the replicator's answers come back to it as {@link Loaded} and
 * {@link Saved}, which it hands to {@link #onLoaded} and {@link #onSaved}.
 */
final class KnownNodes {
    /** How many keys the names are spread over. Fixed: a name's key is derived from it. */
    static final int BUCKETS = 16;

    /** The keys, in bucket order (tests read them). */
    static final List<Key<ORSet<String>>> KEYS = keys();

    /** The replicator's answer to the read of one bucket at start. */
    record Loaded(Replicator.GetResponse<ORSet<String>> response, boolean local) implements SchedulerCommand {}

    /** The replicator's answer to a write. */
    record Saved(Replicator.UpdateResponse<ORSet<String>> response) implements SchedulerCommand {}

    private final ReplicatorMessageAdapter<SchedulerCommand, ORSet<String>> replicator;
    private final SelfUniqueAddress self;
    private final Replicator.ReadConsistency readMajority;
    private final Replicator.WriteConsistency writeMajority;
    private final Logger log;
    /** The names as this singleton last read or wrote them; null until every bucket was read. */
    private Set<String> stored;
    private final Set<String> loading = new HashSet<>();
    private int bucketsToLoad = BUCKETS;
    /** Changes not written yet: name -> whether the node is ready (true) or gone (false). */
    private final Map<String, Boolean> pending = new LinkedHashMap<>();

    /**
     * Uses the timeouts of the job store ({@code berth.jobs.read-timeout}, {@code write-timeout}): a read that no
     * majority answers in time falls back to this node's copy.
     */
    KnownNodes(ActorContext<SchedulerCommand> ctx) {
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
        for (Key<ORSet<String>> key : KEYS) {
            replicator.askGet(ask -> new Replicator.Get<>(key, readMajority, ask), r -> new Loaded(r, false));
        }
    }

    /**
     * Takes in one bucket's answer; returns the names of every known node once the last bucket is in, else null.
     * A bucket no majority answered is read again from this node's copy.
     */
    Set<String> onLoaded(Loaded loaded) {
        Replicator.GetResponse<ORSet<String>> response = loaded.response();
        if (response instanceof Replicator.GetSuccess<ORSet<String>> found) {
            loading.addAll(found.dataValue().getElements());
        } else if (response instanceof Replicator.GetFailure<ORSet<String>> && !loaded.local()) {
            log.warn("no majority of the scheduler nodes answered the read of {}: reading this node's copy",
                    response.key().id());
            replicator.askGet(ask -> new Replicator.Get<>(response.key(), Replicator.readLocal(), ask),
                    r -> new Loaded(r, true));
            return null;
        } else if (!(response instanceof Replicator.NotFound<ORSet<String>>)) {
            log.warn("could not read the known nodes under {}: {}", response.key().id(), response);
        }
        if (--bucketsToLoad > 0) {
            return null;
        }
        stored = Set.copyOf(loading);
        loading.clear();
        return stored;
    }

    /** The node is ready (it registered): it joins the set at the next flush. */
    void ready(String node) {
        pending.put(node, true);
    }

    /** The node is down, or never came back: it leaves the set at the next flush. */
    void gone(String node) {
        pending.put(node, false);
    }

    /** Writes what changed since the last flush, one update per bucket; nothing before the set was read. */
    void flush() {
        if (stored == null || pending.isEmpty()) {
            return;
        }
        Map<Integer, Map<String, Boolean>> byBucket = new HashMap<>();
        Set<String> next = new HashSet<>(stored);
        pending.forEach((node, ready) -> {
            if (ready ? next.add(node) : next.remove(node)) {
                byBucket.computeIfAbsent(bucket(node), b -> new LinkedHashMap<>()).put(node, ready);
            }
        });
        pending.clear();
        stored = Set.copyOf(next);
        byBucket.forEach((bucket, changes) -> replicator.askUpdate(
                ask -> new Replicator.Update<>(KEYS.get(bucket), ORSet.create(), writeMajority, ask, set -> {
                    ORSet<String> s = set;
                    for (Map.Entry<String, Boolean> c : changes.entrySet()) {
                        s = c.getValue() ? s.add(self, c.getKey()) : s.remove(self, c.getKey());
                    }
                    return s;
                }), Saved::new));
    }

    /**
     * Logs a write that no majority confirmed in time (it did reach this node's copy, which spreads it) or that
     * failed.
     */
    void onSaved(Saved saved) {
        Replicator.UpdateResponse<ORSet<String>> response = saved.response();
        if (response instanceof Replicator.UpdateTimeout<ORSet<String>>) {
            log.warn("the known nodes under {} were not confirmed by a majority of the scheduler nodes in time; "
                    + "this node's copy has them and spreads them", response.key().id());
        } else if (!(response instanceof Replicator.UpdateSuccess<ORSet<String>>)) {
            log.warn("could not write the known nodes under {}: {}", response.key().id(), response);
        }
    }

    /** The bucket of a node name: a CRC-32, stable across JVMs and versions. */
    static int bucket(String node) {
        CRC32 crc = new CRC32();
        crc.update(node.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % BUCKETS);
    }

    private static List<Key<ORSet<String>>> keys() {
        List<Key<ORSet<String>>> keys = new ArrayList<>(BUCKETS);
        for (int i = 0; i < BUCKETS; i++) {
            keys.add(ORSetKey.create("known-nodes-" + i));
        }
        return List.copyOf(keys);
    }
}
