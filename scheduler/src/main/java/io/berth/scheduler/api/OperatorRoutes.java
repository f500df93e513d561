package io.berth.scheduler.api;

import static io.berth.scheduler.api.ApiContext.json;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.scheduler.api.ApiContext.Done;
import io.berth.scheduler.api.Router.Access;
import io.berth.scheduler.api.Router.Route;
import io.berth.scheduler.jobs.JobRecord;
import io.berth.scheduler.jobs.JobStore;
import io.berth.scheduler.jobs.JobVersion;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.cluster.typed.Leave;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/**
 * Operator routes: the cluster's members and making one leave or downing it (the management token), and a
 * snapshot of the job store with every version of every job ({@code berth job-store snapshot}; a restore registers
 * the versions again through {@code POST /v1/jobs}).
 */
final class OperatorRoutes {

    record MemberView(String address, String status, Set<String> roles, boolean reachable, boolean leader) {}

    record MemberListing(List<MemberView> members) {}

    record AddressRequest(String address) {}

    record VersionSnapshot(long version, Instant submittedAt, boolean stable, JsonNode spec) {}

    record JobSnapshot(String id, boolean stopped, List<VersionSnapshot> versions) {}

    record Snapshot(Instant takenAt, List<JobSnapshot> jobs) {}

    private final ApiContext ctx;
    private final ActorRef<JobStore.Command> jobs;
    private final Cluster cluster;

    OperatorRoutes(ApiContext ctx, ActorRef<JobStore.Command> jobs) {
        this.ctx = ctx;
        this.jobs = jobs;
        this.cluster = Cluster.get(ctx.system);
    }

    List<Route> routes() {
        return List.of(
                new Route(HttpMethods.GET, "/v1/cluster/members", Access.READ, this::members),
                new Route(HttpMethods.POST, "/v1/cluster/leave", Access.WRITE, call -> change(call, false)),
                new Route(HttpMethods.POST, "/v1/cluster/down", Access.WRITE, call -> change(call, true)),
                new Route(HttpMethods.GET, "/v1/operator/snapshot", Access.WRITE, this::snapshot));
    }

    private CompletionStage<HttpResponse> members(Call call) {
        var state = cluster.state();
        Set<Member> unreachable = state.getUnreachable();
        Address leader = state.getLeader();
        List<MemberView> members = new ArrayList<>();
        for (Member m : state.getMembers()) {
            members.add(new MemberView(hostPort(m.address()), m.status().toString().toLowerCase(Locale.ROOT),
                    m.getRoles().stream().filter(r -> !r.startsWith("dc-")) // Pekko's data-center role
                            .collect(Collectors.toCollection(TreeSet::new)),
                    !unreachable.contains(m), m.address().equals(leader)));
        }
        return CompletableFuture.completedFuture(json(200, new MemberListing(members)));
    }

    /** Leave (graceful: the member hands its work over and exits) or down (for a member that is gone). */
    private CompletionStage<HttpResponse> change(Call call, boolean down) {
        return call.body(AddressRequest.class).thenApply(request -> {
            if (request.address() == null || request.address().isBlank()) {
                throw ApiException.badRequest("address", "required: a member's host:port, as `berth cluster members` "
                        + "lists it");
            }
            Member member = null;
            for (Member m : cluster.state().getMembers()) {
                if (hostPort(m.address()).equals(request.address().strip())) {
                    member = m;
                }
            }
            if (member == null) {
                throw ApiException.notFound("no cluster member at " + request.address().strip());
            }
            cluster.manager().tell(down ? new Down(member.address()) : Leave.create(member.address()));
            return json(202, new Done((down ? "downing " : "leaving: ") + hostPort(member.address())));
        });
    }

    private CompletionStage<HttpResponse> snapshot(Call call) {
        return ctx.ask(jobs, JobStore.ListJobs::new, "the job store").thenApply(list -> {
            List<JobSnapshot> out = new ArrayList<>();
            for (JobRecord record : list.jobs()) {
                List<VersionSnapshot> versions = new ArrayList<>();
                for (JobVersion v : record.versions()) {
                    versions.add(new VersionSnapshot(v.version(), v.submittedAt(), v.stable(), ApiJson.spec(v.job())));
                }
                out.add(new JobSnapshot(record.id(), record.stopped(), versions));
            }
            return json(200, new Snapshot(Instant.now(), out));
        });
    }

    private static String hostPort(Address address) {
        return address.getHost().orElse("") + ":" + address.getPort().map(String::valueOf).orElse("");
    }
}
