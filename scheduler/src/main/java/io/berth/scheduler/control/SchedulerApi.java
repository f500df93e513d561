package io.berth.scheduler.control;

import io.berth.protocol.cluster.AgentCommand;
import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.cluster.CborSerializable;
import io.berth.protocol.cluster.NodeInfo;
import io.berth.protocol.cluster.SchedulerCommand;
import io.berth.protocol.job.Job;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The queries and operations the scheduler singleton answers for the HTTP API, and their replies. Send the
 * requests to the proxy {@link SchedulerSingleton#init} returns; every request is answered exactly once (unknown
 * names and ids are answered, not ignored), from the singleton's actor thread. Replies carry plain values, never
 * engine types, so they serialize as CBOR like every other cluster message. Strings that enumerate (statuses)
 * are lower case, as the API shows them.
 */
public final class SchedulerApi {
    private SchedulerApi() {}

    /** A request to the scheduler singleton. */
    public sealed interface Request extends SchedulerCommand {}

    // ---------------------------------------------------------------------------------------------------- nodes

    /** Every node the scheduler knows, sorted by name. */
    public record GetNodes(ActorRef<NodeList> replyTo) implements Request {
        public GetNodes {
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    public record NodeList(List<NodeView> nodes) implements CborSerializable {
        public NodeList {
            nodes = List.copyOf(nodes);
        }
    }

    /** One node and its allocations (terminal ones included); {@code node} is null for an unknown name. */
    public record GetNode(String name, ActorRef<NodeReply> replyTo) implements Request {
        public GetNode {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    public record NodeReply(NodeView node, List<AllocationView> allocations) implements CborSerializable {
        public NodeReply {
            allocations = allocations == null ? List.of() : List.copyOf(allocations);
        }
    }

    /**
     * A node as the scheduler sees it.
     *
     * @param status        {@code ready} or {@code down}
     * @param eligible      whether new allocations may be placed there: false when an operator turned it off, after
     *                      a drain, or while the node is {@code leaving}
     * @param leaving       its agent is shutting down and stops its allocations (drain on shutdown): ineligible until
     *                      the agent registers again, then as the operator left it
     * @param drainDeadline when a drain stops every allocation left, null unless draining
     * @param usedCpuMhz    what its live allocations reserve, from the scheduler's view
     * @param allocations   how many live (non-terminal) allocations it holds
     * @param heartbeatTtl  how long the scheduler waits for the next heartbeat before declaring it down
     * @param agent         where its agent listens (for logs and stats); null for a node no agent has registered
     *                      since this scheduler started
     */
    public record NodeView(String name, NodeInfo info, String status, boolean eligible, boolean draining,
                           boolean leaving, Instant drainDeadline, int usedCpuMhz, long usedMemoryMb, int allocations,
                           Instant registeredAt, Instant lastHeartbeat, Duration heartbeatTtl,
                           ActorRef<AgentCommand> agent) implements CborSerializable {}

    /**
     * Starts ({@code enable}) or cancels a drain. A drain makes the node ineligible and migrates its allocations,
     * max_parallel at a time per group, stopping those left at {@code deadline} from now; the node stays
     * ineligible after the drain (turn it back on with {@link SetEligibility}). A cancelled drain leaves what was
     * already moved where it is.
     *
     * @param deadline how long the drain may take; null or zero means stop everything at once
     */
    public record DrainNode(String name, Duration deadline, boolean enable, ActorRef<OperationResult> replyTo)
            implements Request {
        public DrainNode {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    /** Turns scheduling of new allocations onto a node on or off; running allocations stay. */
    public record SetEligibility(String name, boolean eligible, ActorRef<OperationResult> replyTo)
            implements Request {
        public SetEligibility {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    /**
     * Whether an operation was done.
     *
     * @param notFound true when it failed because the node, job, allocation or deployment is unknown (a 404)
     * @param message  what was done, or why not; never null
     */
    public record OperationResult(boolean ok, boolean notFound, String message) implements CborSerializable {
        public OperationResult {
            message = message == null ? "" : message;
        }

        public static OperationResult done(String message) {
            return new OperationResult(true, false, message);
        }

        public static OperationResult refused(String message) {
            return new OperationResult(false, false, message);
        }

        public static OperationResult unknown(String message) {
            return new OperationResult(false, true, message);
        }
    }

    // ---------------------------------------------------------------------------------------------- allocations

    /** The allocations of one job ({@code jobId}), or of every job when it is null; sorted by job, group, index. */
    public record GetAllocations(String jobId, ActorRef<AllocationList> replyTo) implements Request {
        public GetAllocations {
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    public record AllocationList(List<AllocationView> allocations) implements CborSerializable {
        public AllocationList {
            allocations = List.copyOf(allocations);
        }
    }

    /**
     * One allocation and the agent of its node (for logs, stats, restart and signal); both null for an unknown
     * id, {@code agent} null when its node has not registered with this scheduler.
     */
    public record GetAllocation(String allocationId, ActorRef<AllocationReply> replyTo) implements Request {
        public GetAllocation {
            Objects.requireNonNull(allocationId, "allocationId");
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    public record AllocationReply(AllocationView allocation, ActorRef<AgentCommand> agent)
            implements CborSerializable {}

    /**
     * An allocation as the scheduler last heard of it.
     *
     * @param name          {@code job.group[index]}
     * @param state         what its agent last reported; PENDING until the agent says more
     * @param clientStatus  {@code pending}, {@code running}, {@code complete}, {@code failed} or {@code lost}
     * @param desiredStatus {@code run} or {@code stop}
     * @param healthy       true once healthy for the update's min_healthy_time, false if it failed its checks or
     *                      deadline, null while unknown
     * @param ports         host port per port label
     * @param exitCode      the last exit code reported, or null
     * @param detail        the agent's last explanation, or why the scheduler stopped it
     * @param events        the most recent state changes, oldest first (a bounded history)
     */
    public record AllocationView(String id, String name, String jobId, long jobVersion, String group, int index,
                                 String node, AllocationState state, String clientStatus, String desiredStatus,
                                 Boolean healthy, boolean canary, Map<String, Integer> ports, Integer exitCode,
                                 String detail, String previousAllocation, int rescheduleCount, Instant createdAt,
                                 Instant modifiedAt, List<AllocationEvent> events) implements CborSerializable {
        public AllocationView {
            ports = ports == null ? Map.of() : Map.copyOf(ports);
            detail = detail == null ? "" : detail;
            events = events == null ? List.of() : List.copyOf(events);
        }
    }

    /** One state change of an allocation. */
    public record AllocationEvent(AllocationState state, String detail, Instant at) implements CborSerializable {}

    // --------------------------------------------------------------------------------------------------- plans

    /**
     * A dry run of registering {@code job}: what the scheduler would place, stop and update against what runs
     * now, and why whatever fits nowhere does not fit, per constraint with the number of nodes each filtered (as
     * {@code nomad job plan} explains). Nothing is changed.
     */
    public record PlanJob(Job job, ActorRef<PlanResult> replyTo) implements Request {
        public PlanJob {
            Objects.requireNonNull(job, "job");
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    /**
     * The answer to {@link PlanJob}.
     *
     * @param jobVersion  the version the job would have: the current one when the spec is unchanged
     * @param changed     whether the spec differs from the job's newest version (true for a new job)
     * @param errors      validation errors with their field paths; when not empty nothing else is filled
     * @param groups      per group, the counts of what would happen
     * @param placements  each allocation that would be placed
     * @param stops       each allocation that would be stopped (replaced, not needed, preempted), with why
     * @param failures    per group, what fits nowhere and why
     * @param explanation the failures as readable text, "" when everything fits
     */
    public record PlanResult(String jobId, long jobVersion, boolean changed, List<String> errors,
                             List<GroupPlan> groups, List<PlannedPlacement> placements, List<PlannedStop> stops,
                             List<PlacementFailure> failures, String explanation) implements CborSerializable {
        public PlanResult {
            errors = errors == null ? List.of() : List.copyOf(errors);
            groups = groups == null ? List.of() : List.copyOf(groups);
            placements = placements == null ? List.of() : List.copyOf(placements);
            stops = stops == null ? List.of() : List.copyOf(stops);
            failures = failures == null ? List.of() : List.copyOf(failures);
            explanation = explanation == null ? "" : explanation;
        }
    }

    /**
     * What a plan does to one group.
     *
     * @param place             new allocations for empty slots
     * @param destructiveUpdate allocations replaced by the new version (or migrated, rescheduled)
     * @param canary            canaries placed
     * @param stop              allocations stopped without a replacement
     * @param preempt           lower-priority allocations of other jobs evicted for this group
     * @param unplaced          allocations that fit nowhere
     * @param ignore            allocations left as they are
     */
    public record GroupPlan(String group, int place, int destructiveUpdate, int canary, int stop, int preempt,
                            int unplaced, int ignore) implements CborSerializable {}

    /** One allocation a plan places. */
    public record PlannedPlacement(String name, String group, int index, String node, Map<String, Integer> ports,
                                   boolean canary, String replaces, double score) implements CborSerializable {
        public PlannedPlacement {
            ports = ports == null ? Map.of() : Map.copyOf(ports);
        }
    }

    /** One allocation a plan stops; {@code preempted} when it belongs to another job evicted to make room. */
    public record PlannedStop(String allocationId, String jobId, String node, String reason, boolean preempted)
            implements CborSerializable {}

    /**
     * Allocations of a group that fit nowhere.
     *
     * @param filtered  per check that ruled nodes out (a constraint such as {@code ${meta.rack} = r1},
     *                  {@code node down}, {@code distinct_hosts}), how many nodes
     * @param exhausted per resource that ran out on otherwise feasible nodes ({@code cpu}, {@code memory},
     *                  {@code port 80}), how many nodes
     */
    public record PlacementFailure(String group, int unplaced, int nodesEvaluated, Map<String, Integer> filtered,
                                   Map<String, Integer> exhausted) implements CborSerializable {
        public PlacementFailure {
            filtered = filtered == null ? Map.of() : Map.copyOf(filtered);
            exhausted = exhausted == null ? Map.of() : Map.copyOf(exhausted);
        }
    }

    // --------------------------------------------------------------------------------------------- deployments

    /** The newest deployment of a job; {@code deployment} is null when the job never had one. */
    public record GetDeployment(String jobId, ActorRef<DeploymentReply> replyTo) implements Request {
        public GetDeployment {
            Objects.requireNonNull(jobId, "jobId");
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    public record DeploymentReply(DeploymentView deployment) implements CborSerializable {}

    /** Promotes the canaries of a job's running deployment so the rest of the update rolls on. */
    public record PromoteDeployment(String jobId, ActorRef<OperationResult> replyTo) implements Request {
        public PromoteDeployment {
            Objects.requireNonNull(jobId, "jobId");
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    /** Marks a job's running deployment failed (and reverts it when its update strategy says auto_revert). */
    public record FailDeployment(String jobId, ActorRef<OperationResult> replyTo) implements Request {
        public FailDeployment {
            Objects.requireNonNull(jobId, "jobId");
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    /**
     * The roll-out of one job version.
     *
     * @param status            {@code running}, {@code awaiting_promotion}, {@code successful}, {@code failed} or
     *                          {@code cancelled} (a newer version superseded it)
     * @param statusDescription why, for people
     */
    public record DeploymentView(String id, String jobId, long jobVersion, String status, String statusDescription,
                                 List<DeploymentGroup> groups, Instant createdAt, Instant modifiedAt)
            implements CborSerializable {
        public DeploymentView {
            groups = List.copyOf(groups);
        }
    }

    /**
     * One group's part of a deployment.
     *
     * @param desiredTotal      the group's count
     * @param desiredCanaries   the canaries the update strategy asks for
     * @param placedCanaries    the ids of the canaries placed
     * @param placed            allocations of the new version placed so far
     * @param healthy           of those, healthy ones
     * @param unhealthy         of those, ones that failed
     * @param requireProgressBy the healthy deadline of the newest allocation still unhealthy; null when none waits
     */
    public record DeploymentGroup(String group, int desiredTotal, int desiredCanaries, List<String> placedCanaries,
                                  boolean promoted, boolean autoPromote, boolean autoRevert, int placed, int healthy,
                                  int unhealthy, Instant requireProgressBy) implements CborSerializable {
        public DeploymentGroup {
            placedCanaries = List.copyOf(placedCanaries);
        }
    }

    // ---------------------------------------------------------------------------------------------- evaluations

    /** The evaluation queue: waiting, blocked and recently finished evaluations of a job, or of all when null. */
    public record GetEvaluations(String jobId, ActorRef<EvaluationList> replyTo) implements Request {
        public GetEvaluations {
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    /**
     * @param queueDepth  evaluations waiting to run
     * @param blocked     evaluations waiting for capacity
     * @param evaluations pending and blocked ones first, then the most recent finished ones
     */
    public record EvaluationList(int queueDepth, int blocked, List<EvaluationView> evaluations)
            implements CborSerializable {
        public EvaluationList {
            evaluations = List.copyOf(evaluations);
        }
    }

    /**
     * One evaluation.
     *
     * @param triggeredBy {@code job-register}, {@code job-deregister}, {@code node-update}, {@code alloc-update},
     *                    {@code reschedule}, {@code deployment}, {@code drain}, {@code capacity} (a blocked
     *                    evaluation retried) or {@code failover}
     * @param status      {@code pending}, {@code blocked} or {@code complete}
     * @param failures    why allocations fit nowhere, for a blocked evaluation
     */
    public record EvaluationView(String id, String jobId, int priority, String triggeredBy, String status,
                                 int placed, int stopped, List<PlacementFailure> failures, String explanation,
                                 Instant createdAt, Instant modifiedAt) implements CborSerializable {
        public EvaluationView {
            failures = failures == null ? List.of() : List.copyOf(failures);
            explanation = explanation == null ? "" : explanation;
        }
    }

    // ------------------------------------------------------------------------------------------ leader, metrics

    /** Who runs the scheduler singleton, and its counters (for {@code /v1/status/leader} and {@code /metrics}). */
    public record GetStatus(ActorRef<SchedulerStatus> replyTo) implements Request {
        public GetStatus {
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    /**
     * The singleton's state and counters since it started on its current node.
     *
     * @param leader             the cluster address of the node running the singleton, {@code pekko://berth@host:port}
     * @param placementsTotal    allocations placed
     * @param stopsTotal         allocations stopped by the scheduler
     * @param evaluationsTotal   evaluations processed
     * @param queueDepth         evaluations waiting
     * @param blockedEvaluations evaluations waiting for capacity
     */
    public record SchedulerStatus(String leader, Instant leaderSince, int nodes, int readyNodes, int jobs,
                                  int liveAllocations, long placementsTotal, long stopsTotal, long evaluationsTotal,
                                  int queueDepth, int blockedEvaluations, Duration heartbeatTtl)
            implements CborSerializable {}
}
