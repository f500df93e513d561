package io.berth.protocol.cluster;

import io.berth.protocol.job.JobType;
import io.berth.protocol.job.Task;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Run {@code tasks} on the agent as allocation {@code allocationId}: a task group's tasks, all in one allocation
 * sharing its network namespace (as a Nomad allocation's or a Kubernetes pod's containers do). The agent persists
 * the allocation, {@code placement} included, before it acts and sends every state change to {@code replyTo}
 * (when not null) and to the scheduler it registered with. Re-sending an assignment the agent already has is
 * harmless: it answers with the allocation's current state.
 *
 * @param jobVersion the job version the tasks come from (a rolling update compares it)
 * @param jobType    the job's type: a batch allocation's task that exits 0 is complete and not restarted
 * @param tasks      the group's tasks; never empty, their names unique
 * @param hostPorts  the host port per port label the scheduler gave the allocation; never null
 * @param placement  the scheduler's facts about the allocation, echoed in every {@link AllocationReport}; never
 *                   null ({@link AllocationPlacement#NONE} when there are none)
 * @param replyTo    who else wants the state changes; may be null
 * @throws IllegalArgumentException when {@code tasks} is empty, holds a null or repeats a task name
 */
public record AssignAllocation(String allocationId, String jobId, long jobVersion, JobType jobType, String taskGroup,
                               List<Task> tasks,
                               Map<String, Integer> hostPorts, AllocationPlacement placement,
                               ActorRef<AllocationStateChanged> replyTo)
        implements AgentCommand {
    public AssignAllocation {
        Objects.requireNonNull(allocationId, "allocationId");
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(jobType, "jobType");
        Objects.requireNonNull(taskGroup, "taskGroup");
        if (tasks == null || tasks.isEmpty()) {
            throw new IllegalArgumentException("assign " + allocationId + ": tasks: empty; an allocation runs at"
                    + " least one task of group '" + taskGroup + "'");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < tasks.size(); i++) {
            Task t = tasks.get(i);
            if (t == null) {
                throw new IllegalArgumentException("assign " + allocationId + ": tasks[" + i + "]: null");
            }
            if (!names.add(t.name())) {
                throw new IllegalArgumentException("assign " + allocationId + ": tasks[" + i + "].name: '" + t.name()
                        + "' repeats an earlier task's name; task names must be unique within group '" + taskGroup
                        + "'");
            }
        }
        tasks = List.copyOf(tasks);
        hostPorts = hostPorts == null ? Map.of() : Map.copyOf(hostPorts);
        Objects.requireNonNull(placement, "placement (use AllocationPlacement.NONE when there is none)");
    }
}
