package io.berth.agent;

import io.berth.protocol.cluster.AllocationState;
import io.berth.protocol.job.Task;
import java.util.Map;
import java.util.Objects;

/**
 * What the agent persists of an allocation: what it was asked to run and what it last reported.
 *
 * @param stopRequested whether a {@code Stop} arrived (a restarted agent then stops instead of running it)
 * @param state         the last state reported
 * @param exitCode      the last exit code, for EXITED and OOM_KILLED; null otherwise
 */
record Allocation(String allocationId, String jobId, String taskGroup, Task task, Map<String, Integer> hostPorts,
                  boolean stopRequested, AllocationState state, Integer exitCode) {
    Allocation {
        Objects.requireNonNull(allocationId, "allocationId");
        Objects.requireNonNull(task, "task");
        hostPorts = hostPorts == null ? Map.of() : Map.copyOf(hostPorts);
    }

    Allocation withState(AllocationState s, Integer code) {
        return new Allocation(allocationId, jobId, taskGroup, task, hostPorts, stopRequested, s, code);
    }

    Allocation withStopRequested() {
        return new Allocation(allocationId, jobId, taskGroup, task, hostPorts, true, state, exitCode);
    }
}
