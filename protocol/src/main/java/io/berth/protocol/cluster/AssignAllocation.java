package io.berth.protocol.cluster;

import io.berth.protocol.job.Task;
import java.util.Map;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Run {@code task} on the agent as allocation {@code allocationId}. The agent persists the allocation before it
 * acts and sends every state change to {@code replyTo} (when not null) and to the scheduler it registered with.
 * Re-sending an assignment the agent already has is harmless: it answers with the allocation's current state.
 *
 * @param jobVersion the job version the task comes from (a rolling update compares it)
 * @param hostPorts  the host port per port label the scheduler gave the allocation; never null
 * @param replyTo    who else wants the state changes; may be null
 */
public record AssignAllocation(String allocationId, String jobId, long jobVersion, String taskGroup, Task task,
                               Map<String, Integer> hostPorts, ActorRef<AllocationStateChanged> replyTo)
        implements AgentCommand {
    public AssignAllocation {
        Objects.requireNonNull(allocationId, "allocationId");
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(taskGroup, "taskGroup");
        Objects.requireNonNull(task, "task");
        hostPorts = hostPorts == null ? Map.of() : Map.copyOf(hostPorts);
    }
}
