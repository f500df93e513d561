package io.berth.agent;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonFormat;
import io.berth.protocol.cluster.AllocationPlacement;
import io.berth.protocol.cluster.AllocationReport;
import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.job.Task;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the agent persists of an allocation: what it was asked to run and what it last reported.
 *
 * @param tasks         the group's tasks, run together sharing one network namespace; never empty (a record an
 *                      agent before multi-task allocations wrote has one {@code task}, read as a list of it)
 * @param placement     the scheduler's facts about the allocation, echoed unchanged in every report; never null
 * @param batch         whether its job is a batch job: a task that exits 0 is complete, not restarted
 * @param stopRequested whether a stop arrived (a restarted agent then stops instead of running it)
 * @param state         the last state reported
 * @param exitCode      the last exit code, for EXITED and OOM_KILLED; null otherwise
 * @param detail        the reason given with the last state; never null
 * @param endHeard      whether the scheduler has surely heard that the allocation ended (its last registration
 *                      carried the end, or a heartbeat sent after the end was answered); until then every
 *                      registration reports it
 * @param restarts      each task's restart history as of its last decided restart, by task name; a task never
 *                      restarted is absent. A restarted agent's supervisors go on from it, so an agent restart does
 *                      not give a crash-looping task a fresh set of attempts (absent in an earlier agent's record)
 */
record Allocation(String allocationId, String jobId, long jobVersion, String taskGroup,
                  @JsonAlias("task") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<Task> tasks,
                  Map<String, Integer> hostPorts, AllocationPlacement placement, boolean batch, boolean stopRequested,
                  AllocationState state, Integer exitCode, String detail, boolean endHeard,
                  Map<String, RestartTracker.History> restarts) {
    /** The directory below each cgroup hierarchy's root that holds the allocations' cgroups. */
    static final String CGROUP_PARENT = "berth";

    Allocation {
        Objects.requireNonNull(allocationId, "allocationId");
        if (tasks == null || tasks.isEmpty()) {
            throw new IllegalArgumentException("allocation " + allocationId + ": no tasks");
        }
        tasks = List.copyOf(tasks);
        hostPorts = hostPorts == null ? Map.of() : Map.copyOf(hostPorts);
        placement = placement == null ? AllocationPlacement.NONE : placement;
        detail = detail == null ? "" : detail;
        restarts = restarts == null ? Map.of() : Map.copyOf(restarts);
    }

    Allocation withState(AllocationState s, Integer code, String why) {
        return new Allocation(allocationId, jobId, jobVersion, taskGroup, tasks, hostPorts, placement, batch,
                stopRequested, s, code, why, false, restarts);
    }

    Allocation withStopRequested() {
        return new Allocation(allocationId, jobId, jobVersion, taskGroup, tasks, hostPorts, placement, batch, true,
                state, exitCode, detail, endHeard, restarts);
    }

    Allocation withEndHeard() {
        return new Allocation(allocationId, jobId, jobVersion, taskGroup, tasks, hostPorts, placement, batch,
                stopRequested, state, exitCode, detail, true, restarts);
    }

    /** With {@code task}'s restart history replaced by {@code history}. */
    Allocation withRestarts(String task, RestartTracker.History history) {
        Map<String, RestartTracker.History> all = new HashMap<>(restarts);
        all.put(task, history);
        return new Allocation(allocationId, jobId, jobVersion, taskGroup, tasks, hostPorts, placement, batch,
                stopRequested, state, exitCode, detail, endHeard, all);
    }

    /** Whether a registration must carry it: it has not ended, or the scheduler may not know that it did. */
    boolean worthReporting() {
        return !state.terminal() || !endHeard;
    }

    AllocationReport report() {
        return new AllocationReport(allocationId, jobId, jobVersion, taskGroup, state, exitCode, detail, hostPorts,
                placement);
    }

    /** The CPU its tasks reserve together. */
    int cpuMhz() {
        return tasks.stream().mapToInt(t -> t.resources().cpuMhz()).sum();
    }

    /** The memory its tasks reserve together. */
    long memoryMb() {
        return tasks.stream().mapToLong(t -> t.resources().memoryMb()).sum();
    }

    /** Where the allocation's files live: {@code net/}, and per task {@code tasks/<name>/}. */
    static Path dir(AgentConfig config, String allocationId) {
        return config.dataDir().resolve("allocs").resolve(allocationId);
    }

    /** A task's directory: its bundle, {@code logs/} and scratch directory {@code local/}. */
    static Path taskDir(AgentConfig config, String allocationId, String task) {
        return dir(config, allocationId).resolve("tasks").resolve(task);
    }

    /**
     * A task's container id, also its rootfs's in the image store: the allocation id (which has no '.') and the
     * task name, so no two tasks of any allocations share one.
     */
    static String containerId(String allocationId, Task task) {
        return allocationId + "." + task.name();
    }

    /** A task's cgroup: below its allocation's, which holds all its tasks' (see {@link AllocationSupervisor}). */
    static String cgroupsPath(String allocationId, Task task) {
        return "/" + CGROUP_PARENT + "/" + allocationId + "/" + task.name();
    }
}
