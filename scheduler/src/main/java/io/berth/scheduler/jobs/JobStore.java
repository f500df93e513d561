package io.berth.scheduler.jobs;

import io.berth.protocol.cluster.BerthEvent;
import io.berth.protocol.cluster.CborSerializable;
import io.berth.protocol.job.Job;
import io.berth.protocol.job.JobSpecs;
import io.berth.scheduler.events.Events;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.zip.CRC32;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The job store of one scheduler node: every version of every job, over the node's Distributed Data
 * {@code Replicator}.
 *
 * <p>Jobs are spread over {@value #BUCKETS} keys ({@code jobs-0} ... ), each an {@code LWWMap} from job id to
 * {@link JobRecord}, chosen by a hash of the id. One key per job would make every write small but leaves no way
 * to learn of jobs registered elsewhere (the replicator has no wildcard subscription); one key for all jobs
 * would make every write carry, replicate and fsync all of them. With buckets a write carries about 1/{@value
 * #BUCKETS} of the jobs, and the store subscribes to every bucket to keep an in-memory view sorted by id that
 * answers {@link ListJobs} without touching the replicator. Each write of a bucket costs two serializations of
 * the whole bucket (the replicator's change digest for subscribers, and the durable store), which is what the
 * number of buckets keeps small: about 20 jobs each at 10,000 jobs; {@link JobRecordSerializer} keeps the bytes
 * of each record, so only the changed record is encoded anew. The subscriptions only serve to learn of writes
 * made through other scheduler nodes, so the store takes them once another scheduler node is a member (and keeps
 * them): a single scheduler node (dev mode) serializes a bucket once per write, for the durable store.
 * Subscribing late loses nothing: the replicator sends a new subscriber the current value of every key it
 * holds.
 *
 * <p>Writes go to a majority of the scheduler nodes ({@code WriteMajority}), whose durable store (RocksDB,
 * fsynced) holds them before they acknowledge; a command is answered {@link Registered} only after that, and
 * {@link Rejected} with the reason when the majority did not answer in {@code berth.jobs.write-timeout}. A
 * rejected write may still have reached this node and some others and spread from there: the caller should
 * retry (a register of the same spec is idempotent). {@link Get} reads from a majority, falling back to this
 * node's copy when no majority answers; {@link ListJobs} and {@link Subscribe} serve this node's copy.
 *
 * <p>A write first reads the job's bucket from a majority (merging it into this node's copy), then computes the
 * new version inside the replicator from that copy: it builds on every write acknowledged before it, through
 * any node, and writes through one node are serial. Two nodes writing the same job at the same moment are still
 * resolved last writer wins (one of the two acknowledged versions is lost): Distributed Data has no consensus.
 * It takes two writers racing on one job through different scheduler nodes.
 *
 * <p>Publishes {@code JobRegistered}, {@code JobStopped} and {@code JobPurged} events (topic {@code Job}) for
 * the writes made through this node.
 */
public final class JobStore extends AbstractBehavior<JobStore.Command> {
    /** How many Distributed Data keys the jobs are spread over. Fixed: a job's key is derived from it. */
    public static final int BUCKETS = 512;

    // ---- protocol ----

    /** What the job store accepts. */
    public sealed interface Command extends CborSerializable {}

    /**
     * Stores {@code job} as a new version when it differs from the newest one or the job is stopped; otherwise
     * answers {@code changed=false} with the current version. Answers {@link Rejected} when the job is invalid
     * (every error with its field path) or when no majority stored it.
     */
    public record Register(Job job, ActorRef<RegisterReply> replyTo) implements Command {}

    /** Answers {@link GetReply} with the job read from a majority (or this node's copy if none answers). */
    public record Get(String jobId, ActorRef<GetReply> replyTo) implements Command {}

    /**
     * Answers {@link JobList} from this node's copy, sorted by id. While no job changes, every answer carries the
     * same list instance.
     */
    public record ListJobs(ActorRef<JobList> replyTo) implements Command {}

    /**
     * Stops a job (a new version of the same spec with {@code stopped} set; {@code changed=false} when already
     * stopped) or, with {@code purge}, removes it with all its versions. Unknown jobs are {@link Rejected}.
     */
    public record StopJob(String jobId, boolean purge, ActorRef<RegisterReply> replyTo) implements Command {}

    /** Adds a new version with the spec of {@code version} and starts the job if it was stopped. */
    public record Revert(String jobId, long version, ActorRef<RegisterReply> replyTo) implements Command {}

    /** Marks a version stable (its deployment succeeded). Unknown jobs or versions are logged and ignored. */
    public record MarkStable(String jobId, long version) implements Command {}

    /**
     * Sends {@code subscriber} every job at once, then every change this node learns of, until it stops.
     * Changes are batched: one {@link JobsChanged} may carry several jobs.
     */
    public record Subscribe(ActorRef<JobsChanged> subscriber) implements Command {}

    /** The answer to writes. */
    public sealed interface RegisterReply extends CborSerializable {}

    /**
     * A majority of scheduler nodes holds the job.
     *
     * @param version the job's newest version after the write
     * @param changed false when the write changed nothing (the same spec again, a stop of a stopped job)
     */
    public record Registered(String jobId, long version, boolean changed) implements RegisterReply {}

    /** The write was refused or not confirmed; {@code reason} says why and what to do. */
    public record Rejected(String jobId, String reason) implements RegisterReply {}

    /** The answer to {@link Get}; {@code record} is null when there is no such job. */
    public record GetReply(JobRecord record) implements CborSerializable {}

    /** The answer to {@link ListJobs}: every job, sorted by id. */
    public record JobList(List<JobRecord> jobs) implements CborSerializable {}

    /** Jobs that changed (as they are now) and ids of jobs that were purged. */
    public record JobsChanged(List<JobRecord> changed, List<String> purged) implements CborSerializable {}

    // ---- internal messages ----

    private record Written(Replicator.UpdateResponse<LWWMap<String, JobRecord>> response, Decision.Holder holder,
            String jobId, ActorRef<RegisterReply> replyTo) implements Command {}

    private record ReadForWrite(Replicator.GetResponse<LWWMap<String, JobRecord>> response, String jobId,
            Function<JobRecord, Decision> decide, ActorRef<RegisterReply> replyTo) implements Command {}

    private record Read(Replicator.GetResponse<LWWMap<String, JobRecord>> response, String jobId,
            ActorRef<GetReply> replyTo) implements Command {}

    private record Loaded(Replicator.GetResponse<LWWMap<String, JobRecord>> response) implements Command {}

    private record BucketChanged(Replicator.SubscribeResponse<LWWMap<String, JobRecord>> response)
            implements Command {}

    private record SubscriberGone(ActorRef<JobsChanged> subscriber) implements Command {}

    private record MembersChanged(ClusterEvent.MemberEvent event) implements Command {}

    // ---- state ----

    private static final List<LWWMapKey<String, JobRecord>> KEYS = keys();

    private final ReplicatorMessageAdapter<Command, LWWMap<String, JobRecord>> replicator;
    private final SelfUniqueAddress self;
    private final Replicator.WriteConsistency writeMajority;
    private final Replicator.ReadConsistency readMajority;
    private final Clock clock;
    private final TreeMap<String, JobRecord> jobs = new TreeMap<>();
    /**
     * Every job as {@link ListJobs} answers it, made once per change rather than once per listing (a copy of
     * 10,000 jobs cost a listing more than the rest of its work); null when {@link #jobs} changed since. The same
     * instance while nothing changes, which lets a reader keep what it derived from it.
     */
    private List<JobRecord> listed;
    private final List<Set<String>> idsByBucket = new ArrayList<>(BUCKETS);
    private final Set<ActorRef<JobsChanged>> subscribers = new HashSet<>();
    /** The role of the nodes the replicator replicates to. */
    private final String replicaRole;
    private boolean subscribedToBuckets;

    /**
     * A job store over this node's replicator, with the timeouts of {@code berth.jobs} in the configuration.
     * Start one per scheduler node; the node must have the Distributed Data role ({@code scheduler}).
     */
    public static Behavior<Command> create() {
        return create(Clock.systemUTC());
    }

    /** As {@link #create()}, stamping versions with {@code clock}. */
    public static Behavior<Command> create(Clock clock) {
        return Behaviors.setup(context -> Behaviors.withStash(100_000, stash ->
                DistributedData.<Command, LWWMap<String, JobRecord>>withReplicatorMessageAdapter(adapter ->
                        new JobStore(context, adapter, clock).loading(stash))));
    }

    private JobStore(ActorContext<Command> context, ReplicatorMessageAdapter<Command, LWWMap<String, JobRecord>> adapter,
            Clock clock) {
        super(context);
        this.replicator = adapter;
        this.self = DistributedData.get(context.getSystem()).selfUniqueAddress();
        var config = context.getSystem().settings().config().getConfig("berth.jobs");
        this.writeMajority = new Replicator.WriteMajority(config.getDuration("write-timeout"));
        this.readMajority = new Replicator.ReadMajority(config.getDuration("read-timeout"));
        this.clock = clock;
        this.replicaRole = context.getSystem().settings().config().getString("pekko.cluster.distributed-data.role");
        for (int i = 0; i < BUCKETS; i++) {
            idsByBucket.add(new HashSet<>());
        }
    }

    /** Reads every bucket of this node's copy (the replicator answers once its durable store has loaded). */
    private Behavior<Command> loading(StashBuffer<Command> stash) {
        for (LWWMapKey<String, JobRecord> key : KEYS) {
            replicator.askGet(replyTo -> new Replicator.Get<>(key, Replicator.readLocal(), replyTo), Loaded::new);
        }
        int[] pending = {BUCKETS};
        return Behaviors.receive(Command.class)
                .onMessage(Loaded.class, loaded -> {
                    if (loaded.response() instanceof Replicator.GetSuccess<LWWMap<String, JobRecord>> found) {
                        apply(found.key(), found.dataValue());
                    }
                    if (--pending[0] > 0) {
                        return Behaviors.same();
                    }
                    Cluster.get(getContext().getSystem()).subscriptions().tell(
                            org.apache.pekko.cluster.typed.Subscribe.create(getContext().messageAdapter(
                                    ClusterEvent.MemberEvent.class, MembersChanged::new), ClusterEvent.MemberEvent.class));
                    subscribeToBucketsWithPeers();
                    getContext().getLog().info("job store ready with {} jobs", jobs.size());
                    return stash.unstashAll(this);
                })
                .onAnyMessage(message -> {
                    stash.stash(message);
                    return Behaviors.same();
                })
                .build();
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Register.class, this::onRegister)
                .onMessage(Get.class, this::onGet)
                .onMessage(ListJobs.class, this::onList)
                .onMessage(StopJob.class, this::onStop)
                .onMessage(Revert.class, this::onRevert)
                .onMessage(MarkStable.class, this::onMarkStable)
                .onMessage(Subscribe.class, this::onSubscribe)
                .onMessage(ReadForWrite.class, this::onReadForWrite)
                .onMessage(Written.class, this::onWritten)
                .onMessage(Read.class, this::onRead)
                .onMessage(BucketChanged.class, this::onBucketChanged)
                .onMessage(MembersChanged.class, changed -> {
                    subscribeToBucketsWithPeers();
                    return this;
                })
                .onMessage(SubscriberGone.class, gone -> {
                    subscribers.remove(gone.subscriber());
                    return this;
                })
                .build();
    }

    private Behavior<Command> onRegister(Register register) {
        Job job = register.job();
        String id = job == null ? null : job.id();
        if (job == null) {
            register.replyTo().tell(new Rejected(null, "no job given"));
            return this;
        }
        List<String> errors = JobSpecs.validate(job);
        if (!errors.isEmpty()) {
            register.replyTo().tell(new Rejected(id, "invalid job: " + String.join("; ", errors)));
            return this;
        }
        Instant now = clock.instant();
        write(id, current -> Decision.register(current, job, now), register.replyTo());
        return this;
    }

    private Behavior<Command> onStop(StopJob stop) {
        Instant now = clock.instant();
        write(stop.jobId(), current -> stop.purge() ? Decision.purge(current, stop.jobId(), now)
                : Decision.stop(current, stop.jobId(), now), stop.replyTo());
        return this;
    }

    private Behavior<Command> onRevert(Revert revert) {
        Instant now = clock.instant();
        write(revert.jobId(), current -> Decision.revert(current, revert.jobId(), revert.version(), now),
                revert.replyTo());
        return this;
    }

    private Behavior<Command> onMarkStable(MarkStable mark) {
        write(mark.jobId(), current -> Decision.markStable(current, mark.jobId(), mark.version()), null);
        return this;
    }

    /**
     * Reads the job's bucket from a majority, which merges it into this node's copy, then runs {@code decide}
     * inside the replicator against that copy and writes the outcome to a majority. A majority read before a
     * majority write means the decision sees every write acknowledged before, through any node (the two
     * majorities overlap); running it inside the replicator means successive writes through this node see each
     * other.
     */
    private void write(String jobId, Function<JobRecord, Decision> decide, ActorRef<RegisterReply> replyTo) {
        if (jobId == null) {
            if (replyTo != null) {
                replyTo.tell(new Rejected(null, "no job id given"));
            }
            return;
        }
        LWWMapKey<String, JobRecord> key = KEYS.get(bucket(jobId));
        replicator.askGet(ask -> new Replicator.Get<>(key, readMajority, ask),
                response -> new ReadForWrite(response, jobId, decide, replyTo));
    }

    private Behavior<Command> onReadForWrite(ReadForWrite read) {
        if (read.response() instanceof Replicator.GetFailure<LWWMap<String, JobRecord>>) {
            reject(read.jobId(), "could not read the job from a majority of the scheduler nodes within "
                    + format(readMajority) + " (are most of them down or unreachable?): retry when the cluster "
                    + "has a majority", read.replyTo());
            return this;
        }
        String jobId = read.jobId();
        LWWMapKey<String, JobRecord> key = KEYS.get(bucket(jobId));
        Decision.Holder holder = new Decision.Holder();
        replicator.askUpdate(
                ask -> new Replicator.Update<>(key, LWWMap.create(), writeMajority, ask, map -> {
                    Option<JobRecord> found = map.get(jobId);
                    Decision decision = read.decide().apply(found.isDefined() ? found.get() : null);
                    holder.decision = decision;
                    if (decision.purged()) {
                        return map.remove(self, jobId);
                    }
                    return decision.next() == null ? map : map.put(self, jobId, decision.next());
                }),
                response -> new Written(response, holder, jobId, read.replyTo()));
        return this;
    }

    private Behavior<Command> onWritten(Written written) {
        var response = written.response();
        Decision decision = written.holder().decision;
        RegisterReply reply;
        if (response instanceof Replicator.UpdateSuccess<LWWMap<String, JobRecord>>) {
            reply = decision.reply();
            if (decision.purged()) {
                if (remove(written.jobId()) != null) {
                    idsByBucket.get(bucket(written.jobId())).remove(written.jobId());
                    notifySubscribers(List.of(), List.of(written.jobId()));
                }
            } else if (decision.next() != null) {
                put(decision.next());
                notifySubscribers(List.of(decision.next()), List.of());
            }
            if (decision.event() != null) {
                Events.publish(getContext().getSystem(), decision.event());
            }
        } else if (response instanceof Replicator.UpdateTimeout<LWWMap<String, JobRecord>>) {
            reply = new Rejected(written.jobId(), "not confirmed by a majority of the scheduler nodes within "
                    + format(writeMajority) + " (are most of them down or unreachable?); the write may still "
                    + "take effect: check the job, and retry when the cluster has a majority");
        } else if (response instanceof Replicator.ModifyFailure<LWWMap<String, JobRecord>> failure) {
            reply = new Rejected(written.jobId(), failure.cause().getMessage());
        } else if (response instanceof Replicator.StoreFailure<LWWMap<String, JobRecord>>) {
            reply = new Rejected(written.jobId(), "this scheduler node could not write the job to its disk: "
                    + "see its log");
        } else {
            reply = new Rejected(written.jobId(), "the job store could not write the job: " + response);
        }
        if (reply instanceof Rejected rejected) {
            reject(written.jobId(), rejected.reason(), written.replyTo());
        } else if (written.replyTo() != null) {
            written.replyTo().tell(reply);
        }
        return this;
    }

    private void reject(String jobId, String reason, ActorRef<RegisterReply> replyTo) {
        getContext().getLog().warn("job {}: {}", jobId, reason);
        if (replyTo != null) {
            replyTo.tell(new Rejected(jobId, reason));
        }
    }

    private Behavior<Command> onGet(Get get) {
        if (get.jobId() == null) {
            get.replyTo().tell(new GetReply(null));
            return this;
        }
        LWWMapKey<String, JobRecord> key = KEYS.get(bucket(get.jobId()));
        replicator.askGet(ask -> new Replicator.Get<>(key, readMajority, ask),
                response -> new Read(response, get.jobId(), get.replyTo()));
        return this;
    }

    private Behavior<Command> onRead(Read read) {
        JobRecord record;
        if (read.response() instanceof Replicator.GetSuccess<LWWMap<String, JobRecord>> found) {
            Option<JobRecord> job = found.dataValue().get(read.jobId());
            record = job.isDefined() ? job.get() : null;
        } else if (read.response() instanceof Replicator.NotFound<LWWMap<String, JobRecord>>) {
            record = null;
        } else {
            // no majority answered in time: this node's copy is the best there is
            getContext().getLog().warn("job {}: no majority answered a read within {}, answering this node's copy",
                    read.jobId(), format(readMajority));
            record = jobs.get(read.jobId());
        }
        read.replyTo().tell(new GetReply(record));
        return this;
    }

    private Behavior<Command> onList(ListJobs list) {
        list.replyTo().tell(new JobList(listed()));
        return this;
    }

    private Behavior<Command> onSubscribe(Subscribe subscribe) {
        if (subscribers.add(subscribe.subscriber())) {
            getContext().watchWith(subscribe.subscriber(), new SubscriberGone(subscribe.subscriber()));
        }
        subscribe.subscriber().tell(new JobsChanged(listed(), List.of()));
        return this;
    }

    /**
     * Subscribes to every bucket once the cluster has a member with the replicator's role besides this node: until
     * then every write goes through this node, which updates its view itself (a subscription would make the
     * replicator serialize the whole bucket for a change digest on each write).
     */
    private void subscribeToBucketsWithPeers() {
        if (subscribedToBuckets) {
            return;
        }
        Cluster cluster = Cluster.get(getContext().getSystem());
        for (Member member : cluster.state().getMembers()) {
            if (member.hasRole(replicaRole) && !member.equals(cluster.selfMember())) {
                for (LWWMapKey<String, JobRecord> key : KEYS) {
                    replicator.subscribe(key, BucketChanged::new);
                }
                subscribedToBuckets = true;
                getContext().getLog().info("job store follows the writes of other scheduler nodes ({} joined)",
                        member.address());
                return;
            }
        }
    }

    private Behavior<Command> onBucketChanged(BucketChanged changed) {
        if (changed.response() instanceof Replicator.Changed<LWWMap<String, JobRecord>> c) {
            apply(c.key(), c.dataValue());
        }
        return this;
    }

    /** Brings the view of one bucket up to {@code map} and tells subscribers what differed. */
    private void apply(org.apache.pekko.cluster.ddata.Key<LWWMap<String, JobRecord>> key, LWWMap<String, JobRecord> map) {
        int bucket = Integer.parseInt(key.id().substring("jobs-".length()));
        Map<String, JobRecord> entries = CollectionConverters.asJava(map.entries());
        List<JobRecord> changed = new ArrayList<>();
        for (JobRecord record : entries.values()) {
            JobRecord old = jobs.get(record.id());
            if (old != record && !record.equals(old)) {
                put(record);
                changed.add(record);
            }
        }
        List<String> purged = new ArrayList<>();
        for (var it = idsByBucket.get(bucket).iterator(); it.hasNext(); ) {
            String id = it.next();
            if (!entries.containsKey(id)) {
                it.remove();
                remove(id);
                purged.add(id);
            }
        }
        notifySubscribers(changed, purged);
    }

    private void put(JobRecord record) {
        jobs.put(record.id(), record);
        listed = null;
        idsByBucket.get(bucket(record.id())).add(record.id());
    }

    private JobRecord remove(String jobId) {
        listed = null;
        return jobs.remove(jobId);
    }

    /** Every job, sorted by id; the same instance until a job changes. */
    private List<JobRecord> listed() {
        if (listed == null) {
            listed = List.copyOf(jobs.values());
        }
        return listed;
    }

    private void notifySubscribers(List<JobRecord> changed, List<String> purged) {
        if (changed.isEmpty() && purged.isEmpty()) {
            return;
        }
        JobsChanged message = new JobsChanged(List.copyOf(changed), List.copyOf(purged));
        for (ActorRef<JobsChanged> subscriber : subscribers) {
            subscriber.tell(message);
        }
    }

    /** The bucket of a job: a CRC-32 of its id, stable across JVMs and versions (unlike String.hashCode's spec). */
    static int bucket(String jobId) {
        CRC32 crc = new CRC32();
        crc.update(jobId.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % BUCKETS);
    }

    private static List<LWWMapKey<String, JobRecord>> keys() {
        List<LWWMapKey<String, JobRecord>> keys = new ArrayList<>(BUCKETS);
        for (int i = 0; i < BUCKETS; i++) {
            keys.add(new LWWMapKey<>("jobs-" + i));
        }
        return List.copyOf(keys);
    }

    private static String format(Replicator.WriteConsistency consistency) {
        return consistency instanceof Replicator.WriteMajority m ? format(m.timeout()) : consistency.toString();
    }

    private static String format(Replicator.ReadConsistency consistency) {
        return consistency instanceof Replicator.ReadMajority m ? format(m.timeout()) : consistency.toString();
    }

    private static String format(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
