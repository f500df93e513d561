package io.berth.scheduler.api;

import static io.berth.scheduler.api.ApiContext.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.berth.protocol.cluster.SchedulerCommand;
import io.berth.protocol.job.InvalidJobException;
import io.berth.protocol.job.Job;
import io.berth.protocol.job.JobSpecs;
import io.berth.protocol.job.TaskGroup;
import io.berth.scheduler.api.Router.Access;
import io.berth.scheduler.api.Router.Route;
import io.berth.scheduler.control.SchedulerApi;
import io.berth.scheduler.control.SchedulerApi.AllocationView;
import io.berth.scheduler.jobs.JobRecord;
import io.berth.scheduler.jobs.JobStore;
import io.berth.scheduler.jobs.JobVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/** Jobs and deployments: register, list, read, versions, plan, scale, revert, stop; deployment status and actions. */
final class JobRoutes {
    /** A validation error's leading field path, as {@link JobSpecs} writes it. */
    private static final Pattern FIELD_PATH = Pattern.compile("[A-Za-z0-9_.\\[\\]]+");

    // ------------------------------------------------------------------------------------------- answer shapes

    /** {@code POST /v1/jobs}, scale, revert and stop. */
    record RegisterAnswer(String jobId, long version, boolean changed) {}

    /** {@code DELETE /v1/jobs/{id}}. */
    record StopAnswer(String jobId, long version, boolean stopped, boolean purged) {}

    /** One group of a job: its count and its allocations (of any version) counted by state. */
    record GroupSummary(String name, int count, Map<String, Integer> allocations) {}

    record JobDetail(String id, String type, int priority, String status, boolean stopped, long version,
                     boolean stable, long modifyIndex, Instant submittedAt, List<GroupSummary> groups, JsonNode spec) {}

    record VersionView(long version, Instant submittedAt, boolean stable, JsonNode spec) {}

    record VersionListing(String jobId, List<VersionView> versions) {}

    // ---------------------------------------------------------------------------------------------- requests

    record ScaleRequest(String group, Integer count) {}

    record RevertRequest(Long version) {}

    /** A job's summary in listings as written from {@code record} with {@code status}. */
    private record Summary(JobRecord record, String status, byte[] json) {}

    /**
     * A listing made from {@code records} (the job store's list instance), {@code allocations} and the query
     * ({@code prefix}, {@code perPage}, {@code nextToken}): the summary arrays {@code parts} (in order) and the
     * token {@code next}.
     */
    private record Listing(List<JobRecord> records, Map<String, List<AllocationView>> allocations, String prefix,
                           long perPage, String nextToken, List<byte[]> parts, String next, ApiJson.Raw json) {
        /** Whether this listing answers the same query over the same inputs. */
        boolean answers(List<JobRecord> records, Map<String, List<AllocationView>> allocations, String prefix,
                        long perPage, String nextToken) {
            return this.records == records && this.perPage == perPage && this.prefix.equals(prefix)
                    && this.nextToken.equals(nextToken) && this.allocations.equals(allocations);
        }
    }

    private final ApiContext ctx;
    private final ActorRef<JobStore.Command> jobs;
    /** The summaries last written, by job id; read and written by concurrent listings. */
    private final Map<String, Summary> summaries = new ConcurrentHashMap<>();
    /** The last listing made, answered again while nothing in it changed. */
    private volatile Listing lastListing;
    private final ActorRef<SchedulerCommand> scheduler;

    JobRoutes(ApiContext ctx, ActorRef<JobStore.Command> jobs, ActorRef<SchedulerCommand> scheduler) {
        this.ctx = ctx;
        this.jobs = jobs;
        this.scheduler = scheduler;
    }

    List<Route> routes() {
        return List.of(
                new Route(HttpMethods.POST, "/v1/jobs", Access.WRITE, this::register),
                new Route(HttpMethods.GET, "/v1/jobs", Access.READ, this::list),
                new Route(HttpMethods.GET, "/v1/jobs/{id}", Access.READ, this::read),
                new Route(HttpMethods.DELETE, "/v1/jobs/{id}", Access.WRITE, this::stop),
                new Route(HttpMethods.GET, "/v1/jobs/{id}/versions", Access.READ, this::versions),
                new Route(HttpMethods.POST, "/v1/jobs/{id}/plan", Access.WRITE, this::plan),
                new Route(HttpMethods.POST, "/v1/jobs/{id}/scale", Access.WRITE, this::scale),
                new Route(HttpMethods.POST, "/v1/jobs/{id}/revert", Access.WRITE, this::revert),
                new Route(HttpMethods.GET, "/v1/jobs/{id}/allocations", Access.READ, this::allocations),
                new Route(HttpMethods.GET, "/v1/jobs/{id}/deployment", Access.READ, this::deployment),
                new Route(HttpMethods.POST, "/v1/deployments/{job_id}/promote", Access.WRITE, this::promote),
                new Route(HttpMethods.POST, "/v1/deployments/{job_id}/fail", Access.WRITE, this::fail));
    }

    // ------------------------------------------------------------------------------------------------ routes

    private CompletionStage<HttpResponse> register(Call call) {
        return call.body().thenCompose(body -> {
            Job job = parseJob(call, body);
            return store(job);
        });
    }

    private CompletionStage<HttpResponse> list(Call call) {
        String prefix = call.query("prefix").orElse("");
        long perPage = call.longQuery("per_page", 0, 0);
        String nextToken = call.query("next_token").orElse("");
        return ctx.blocking(call, index -> ctx.ask(jobs, JobStore.ListJobs::new, "the job store")
                .thenCombine(allocationsByJob(null), (list, allocations) ->
                        listing(list.jobs(), allocations, prefix, perPage, nextToken)));
    }

    /**
     * The listing, {@code {"jobs": [summary...], "next_token": id or null}} (schema JobListing in openapi.json).
     * This answer grows with the cluster (10,000 jobs are about 2 MB), so each job's summary is kept as the bytes
     * last written for it and written again only when its inputs changed: the record (the job store replaces a
     * record whenever the job changes, and keeps the instance otherwise) or its status (which follows the
     * allocations). A listing is then mostly a copy of those bytes, and none when every summary and the next
     * token are those of the last listing: its array is answered again. Telling that takes a pass over every
     * job, which is skipped when the last listing answered the same query from the same job store list (the store
     * answers the same instance while no job changes) and equal allocations.
     */
    private ApiJson.Raw listing(List<JobRecord> records, Map<String, List<AllocationView>> allocations,
                                String prefix, long perPage, String nextToken) {
        Listing previous = lastListing;
        if (previous != null && previous.answers(records, allocations, prefix, perPage, nextToken)) {
            return previous.json();
        }
        List<byte[]> parts = new ArrayList<>(records.size());
        int size = 0;
        String next = null;
        for (JobRecord record : records) {
            if ((!prefix.isEmpty() && !record.id().startsWith(prefix))
                    || (!nextToken.isEmpty() && record.id().compareTo(nextToken) < 0)) {
                continue;
            }
            if (perPage > 0 && parts.size() == perPage) {
                next = record.id();
                break;
            }
            byte[] summary = summary(record, allocations.getOrDefault(record.id(), List.of()));
            parts.add(summary);
            size += summary.length;
        }
        if (summaries.size() > records.size()) {
            forgetPurged(records);
        }
        ApiJson.Raw json = previous != null && Objects.equals(previous.next(), next)
                && sameArrays(previous.parts(), parts) ? previous.json() : join(parts, size, next);
        lastListing = new Listing(records, allocations, prefix, perPage, nextToken, parts, next, json);
        return json;
    }

    /** {@code {"jobs":[parts...],"next_token":next}} in one exactly sized array; {@code size}: the parts' bytes. */
    private static ApiJson.Raw join(List<byte[]> parts, int size, String next) {
        byte[] head = "{\"jobs\":[".getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("],\"next_token\":" + new String(ApiJson.write(next), StandardCharsets.UTF_8) + "}")
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(head.length + size + Math.max(parts.size() - 1, 0) + tail.length);
        out.put(head);
        for (int i = 0; i < parts.size(); i++) {
            if (i > 0) {
                out.put((byte) ',');
            }
            out.put(parts.get(i));
        }
        out.put(tail);
        return new ApiJson.Raw(out.array());
    }

    /** Whether {@code a} and {@code b} hold the same arrays (the same instances) in the same order. */
    private static boolean sameArrays(List<byte[]> a, List<byte[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i) != b.get(i)) {
                return false;
            }
        }
        return true;
    }

    /** The summary of one job: the cached bytes when its record and status are those they were written from. */
    private byte[] summary(JobRecord record, List<AllocationView> allocations) {
        String status = status(record, allocations);
        Summary cached = summaries.get(record.id());
        if (cached != null && cached.record() == record && cached.status().equals(status)) {
            return cached.json();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator g = ApiJson.MAPPER.getFactory().createGenerator(bytes)) {
            writeSummary(g, record, status);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the summary of job " + record.id(), e);
        }
        byte[] json = bytes.toByteArray();
        summaries.put(record.id(), new Summary(record, status, json));
        return json;
    }

    /** Drops the cached summaries of jobs no longer in the store (purged). */
    private void forgetPurged(List<JobRecord> records) {
        Set<String> ids = new HashSet<>(records.size() * 2);
        for (JobRecord record : records) {
            ids.add(record.id());
        }
        summaries.keySet().retainAll(ids);
    }

    /**
     * One job of a listing: id, type, priority, status ({@link #status}), stopped, version, modify_index,
     * submitted_at, datacenters, groups (count per group).
     */
    private static void writeSummary(JsonGenerator g, JobRecord record, String status) throws IOException {
        JobVersion latest = record.latest();
        Job job = latest.job();
        g.writeStartObject();
        g.writeStringField("id", record.id());
        g.writeStringField("type", typeOf(job));
        g.writeNumberField("priority", job.priority());
        g.writeStringField("status", status);
        g.writeBooleanField("stopped", record.stopped());
        g.writeNumberField("version", latest.version());
        g.writeNumberField("modify_index", record.modifyIndex());
        g.writeStringField("submitted_at", latest.submittedAt().toString());
        g.writeArrayFieldStart("datacenters");
        for (String dc : job.datacenters()) {
            g.writeString(dc);
        }
        g.writeEndArray();
        g.writeObjectFieldStart("groups");
        for (TaskGroup group : job.groups()) {
            g.writeNumberField(group.name(), group.count());
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    private CompletionStage<HttpResponse> read(Call call) {
        String id = call.id("id");
        return ctx.blocking(call, index -> record(id).thenCombine(allocationsByJob(id), (record, allocations) -> {
            List<AllocationView> own = allocations.getOrDefault(id, List.of());
            JobVersion latest = record.latest();
            Job job = latest.job();
            List<GroupSummary> groups = new ArrayList<>();
            for (TaskGroup group : job.groups()) {
                Map<String, Integer> states = new TreeMap<>();
                for (AllocationView a : own) {
                    if (group.name().equals(a.group())) {
                        states.merge(a.state().name().toLowerCase(Locale.ROOT), 1, Integer::sum);
                    }
                }
                groups.add(new GroupSummary(group.name(), group.count(), states));
            }
            return new JobDetail(record.id(), typeOf(job), job.priority(), status(record, own), record.stopped(),
                    latest.version(), latest.stable(), record.modifyIndex(), latest.submittedAt(), groups,
                    ApiJson.spec(job));
        }));
    }

    private CompletionStage<HttpResponse> versions(Call call) {
        String id = call.id("id");
        return ctx.blocking(call, index -> record(id).thenApply(record -> {
            List<VersionView> versions = new ArrayList<>();
            for (JobVersion v : record.versions()) {
                versions.add(new VersionView(v.version(), v.submittedAt(), v.stable(), ApiJson.spec(v.job())));
            }
            versions.sort(Comparator.comparingLong(VersionView::version).reversed());
            return new VersionListing(record.id(), versions);
        }));
    }

    private CompletionStage<HttpResponse> plan(Call call) {
        String id = call.id("id");
        return call.body().thenCompose(body -> {
            Job job = parseJob(call, body);
            if (!job.id().equals(id)) {
                throw ApiException.badRequest("id", "the spec's id '" + job.id() + "' is not the job '" + id
                        + "' of the path");
            }
            return ctx.ask(scheduler, (ActorRef<SchedulerApi.PlanResult> r) -> new SchedulerApi.PlanJob(job, r),
                    "the scheduler").thenApply(plan -> {
                        if (!plan.errors().isEmpty()) {
                            throw invalid(plan.errors());
                        }
                        return json(200, plan);
                    });
        });
    }

    private CompletionStage<HttpResponse> scale(Call call) {
        String id = call.id("id");
        return call.body(ScaleRequest.class).thenCompose(request -> {
            if (request.group() == null) {
                throw ApiException.badRequest("group", "required: the name of the group to scale");
            }
            if (request.count() == null || request.count() < 0) {
                throw ApiException.badRequest("count", "required: a whole number of at least 0");
            }
            return record(id).thenCompose(record -> {
                Job job = record.latest().job();
                if (job.group(request.group()) == null) {
                    throw ApiException.badRequest("group", "job " + id + " has no group '" + request.group()
                            + "' (groups: " + job.groups().stream().map(TaskGroup::name)
                            .collect(Collectors.joining(", ")) + ")");
                }
                List<TaskGroup> groups = new ArrayList<>();
                for (TaskGroup g : job.groups()) {
                    groups.add(!g.name().equals(request.group()) ? g : new TaskGroup(g.name(), request.count(),
                            g.tasks(), g.constraints(), g.affinities(), g.spreads(), g.update(), g.reschedule(),
                            g.meta()));
                }
                Job scaled = new Job(job.id(), job.type(), job.priority(), job.region(), job.datacenters(), groups,
                        job.constraints(), job.affinities(), job.spreads(), job.update(), job.reschedule(),
                        job.meta());
                List<String> errors = JobSpecs.validate(scaled);
                if (!errors.isEmpty()) {
                    throw invalid(errors);
                }
                return store(scaled);
            });
        });
    }

    private CompletionStage<HttpResponse> revert(Call call) {
        String id = call.id("id");
        return call.body(RevertRequest.class).thenCompose(request -> {
            if (request.version() == null) {
                throw ApiException.badRequest("version", "required: the version to go back to");
            }
            return record(id).thenCompose(record -> {
                if (record.version(request.version()) == null) {
                    throw ApiException.badRequest("version", "job " + id + " has no version " + request.version()
                            + " (versions: " + record.versions().stream().map(v -> Long.toString(v.version()))
                            .collect(Collectors.joining(", ")) + ")");
                }
                return ctx.ask(jobs, (ActorRef<JobStore.RegisterReply> r) ->
                        new JobStore.Revert(id, request.version(), r), "the job store");
            }).thenApply(JobRoutes::registered);
        });
    }

    private CompletionStage<HttpResponse> stop(Call call) {
        String id = call.id("id");
        boolean purge = call.booleanQuery("purge", false);
        return record(id).thenCompose(record -> ctx.ask(jobs,
                (ActorRef<JobStore.RegisterReply> r) -> new JobStore.StopJob(id, purge, r), "the job store"))
                .thenApply(reply -> {
                    if (reply instanceof JobStore.Registered done) {
                        return json(200, new StopAnswer(done.jobId(), done.version(), true, purge));
                    }
                    throw rejected((JobStore.Rejected) reply);
                });
    }

    private CompletionStage<HttpResponse> allocations(Call call) {
        String id = call.id("id");
        return ctx.blocking(call, index -> record(id).thenCombine(allocationsByJob(id),
                (record, allocations) -> new AllocationRoutes.AllocationListing(allocations.getOrDefault(id, List.of()))));
    }

    private CompletionStage<HttpResponse> deployment(Call call) {
        String id = call.id("id");
        return ctx.blocking(call, index -> record(id).thenCompose(record -> ctx.ask(scheduler,
                (ActorRef<SchedulerApi.DeploymentReply> r) -> new SchedulerApi.GetDeployment(id, r), "the scheduler"))
                .thenApply(reply -> {
                    if (reply.deployment() == null) {
                        throw ApiException.notFound("job " + id + " has had no deployment");
                    }
                    return reply.deployment();
                }));
    }

    private CompletionStage<HttpResponse> promote(Call call) {
        String id = call.id("job_id");
        return ctx.ask(scheduler, (ActorRef<SchedulerApi.OperationResult> r) -> new SchedulerApi.PromoteDeployment(id, r),
                "the scheduler").thenApply(JobRoutes::operation);
    }

    private CompletionStage<HttpResponse> fail(Call call) {
        String id = call.id("job_id");
        return ctx.ask(scheduler, (ActorRef<SchedulerApi.OperationResult> r) -> new SchedulerApi.FailDeployment(id, r),
                "the scheduler").thenApply(JobRoutes::operation);
    }

    // ----------------------------------------------------------------------------------------------- helpers

    /** 200 when done, 404 when the target is unknown, 409 when the scheduler refused. */
    static HttpResponse operation(SchedulerApi.OperationResult result) {
        if (result.ok()) {
            return json(200, new ApiContext.Done(result.message()));
        }
        throw new ApiException(result.notFound() ? 404 : 409, result.message());
    }

    private CompletionStage<HttpResponse> store(Job job) {
        return ctx.ask(jobs, (ActorRef<JobStore.RegisterReply> r) -> new JobStore.Register(job, r), "the job store")
                .thenApply(JobRoutes::registered);
    }

    /** 201 with the version, or the job store's refusal. */
    private static HttpResponse registered(JobStore.RegisterReply reply) {
        if (reply instanceof JobStore.Registered done) {
            return json(201, new RegisterAnswer(done.jobId(), done.version(), done.changed()));
        }
        throw rejected((JobStore.Rejected) reply);
    }

    /**
     * The status for a job store refusal. The job store gives only a reason; its wording tells a write that no
     * majority confirmed or no disk took (503: retry) from a spec it found invalid (400) and from a change the
     * job's state does not allow (409). Specs are validated here before they are sent, so the 400 is rare.
     */
    private static ApiException rejected(JobStore.Rejected rejected) {
        String reason = rejected.reason();
        int status = reason.startsWith("invalid job") ? 400
                : reason.contains("majority") || reason.contains("could not write") ? 503 : 409;
        return new ApiException(status, reason);
    }

    private CompletionStage<JobRecord> record(String id) {
        return ctx.ask(jobs, (ActorRef<JobStore.GetReply> r) -> new JobStore.Get(id, r), "the job store")
                .thenApply(reply -> {
                    if (reply.record() == null) {
                        throw ApiException.notFound("no job " + id);
                    }
                    return reply.record();
                });
    }

    /** The scheduler's allocations of job {@code jobId} (of every job when null), by job id. */
    private CompletionStage<Map<String, List<AllocationView>>> allocationsByJob(String jobId) {
        return ctx.ask(scheduler, (ActorRef<SchedulerApi.AllocationList> r) -> new SchedulerApi.GetAllocations(jobId, r),
                "the scheduler").thenApply(list -> {
                    Map<String, List<AllocationView>> byJob = new HashMap<>();
                    for (AllocationView a : list.allocations()) {
                        byJob.computeIfAbsent(a.jobId(), k -> new ArrayList<>()).add(a);
                    }
                    return byJob;
                });
    }

    private static String typeOf(Job job) {
        return switch (job.type()) {
            case SERVICE -> "service";
            case BATCH -> "batch";
            case SYSTEM -> "system";
        };
    }

    /**
     * A job's status from its allocations: {@code stopped} when stopped; {@code running} when one runs;
     * {@code pending} when one waits or there are none yet; {@code failed} when all ended and one failed or was
     * lost; {@code complete} when all ended well.
     */
    static String status(JobRecord record, List<AllocationView> allocations) {
        if (record.stopped()) {
            return "stopped";
        }
        boolean pending = allocations.isEmpty();
        boolean failed = false;
        for (AllocationView a : allocations) {
            switch (a.clientStatus()) {
                case "running" -> {
                    return "running";
                }
                case "pending" -> pending = true;
                case "failed", "lost" -> failed = true;
                default -> { }
            }
        }
        return pending ? "pending" : failed ? "failed" : "complete";
    }

    private static Job parseJob(Call call, byte[] body) {
        if (body.length == 0) {
            throw new ApiException(400, "the request needs a job spec (JSON, or YAML with Content-Type "
                    + "application/yaml) as its body");
        }
        JobSpecs.Format format = call.yamlBody() ? JobSpecs.Format.YAML : JobSpecs.Format.JSON;
        try {
            return JobSpecs.parse("job spec", body, format);
        } catch (InvalidJobException e) {
            // malformed JSON is answered with its line and column; checked only here, as a spec that parses is
            // well-formed (JobSpecs reads JSON at least as strictly), so a valid spec is read once
            if (format == JobSpecs.Format.JSON) {
                ApiJson.checkSyntax(body);
            }
            throw invalid(e.errors());
        }
    }

    /** 400 with each "path: problem" split into its path and message. */
    static ApiException invalid(List<String> errors) {
        List<ApiException.FieldError> fields = new ArrayList<>();
        for (String error : errors) {
            int colon = error.indexOf(": ");
            if (colon > 0 && FIELD_PATH.matcher(error.substring(0, colon)).matches()) {
                fields.add(new ApiException.FieldError(error.substring(0, colon), error.substring(colon + 2)));
            } else {
                fields.add(new ApiException.FieldError("", error));
            }
        }
        return new ApiException(400, "the job spec is invalid (" + errors.size()
                + (errors.size() == 1 ? " error" : " errors") + "): " + String.join("; ", errors), fields);
    }
}
