package io.berth.agent;

import io.berth.protocol.cluster.AllocationPlacement;
import io.berth.protocol.cluster.AllocationReport;
import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.job.Task;
import java.util.Map;
import java.util.Objects;

/**
 * What the agent persists of an allocation: what it was asked to run and what it last reported.
 *
 * @param stopRequested whether a stop arrived (a restarted agent then stops instead of running it)
 * @param state         the last state reported
 * @param exitCode      the last exit code, for EXITED and OOM_KILLED; null otherwise
 * @param detail        the reason given with the last state; never null
 * @param endHeard      whether the scheduler has surely heard that the allocation ended (its last registration
 *                      carried the end, or a heartbeat sent after the end was answered); until then every
 *                      registration reports it
 */
record Allocation(String allocationId, String jobId, long jobVersion, String taskGroup, Task task,
                  Map<String, Integer> hostPorts, boolean stopRequested, AllocationState state, Integer exitCode,
                  String detail, boolean endHeard) {
    Allocation {
        Objects.requireNonNull(allocationId, "allocationId");
        Objects.requireNonNull(task, "task");
        hostPorts = hostPorts == null ? Map.of() : Map.copyOf(hostPorts);
        detail = detail == null ? "" : detail;
    }

    Allocation withState(AllocationState s, Integer code, String why) {
        return new Allocation(allocationId, jobId, jobVersion, taskGroup, task, hostPorts, stopRequested, s, code, why,
                false);
    }

    Allocation withStopRequested() {
        return new Allocation(allocationId, jobId, jobVersion, taskGroup, task, hostPorts, true, state, exitCode, detail,
                endHeard);
    }

    Allocation withEndHeard() {
        return new Allocation(allocationId, jobId, jobVersion, taskGroup, task, hostPorts, stopRequested, state, exitCode,
                detail, true);
    }

    /** Whether a registration must carry it: it has not ended, or the scheduler may not know that it did. */
    boolean worthReporting() {
        return !state.terminal() || !endHeard;
    }

    AllocationReport report() {
        return new AllocationReport(allocationId, jobId, jobVersion, taskGroup, state, exitCode, detail, hostPorts,
                AllocationPlacement.NONE);
    }
}
