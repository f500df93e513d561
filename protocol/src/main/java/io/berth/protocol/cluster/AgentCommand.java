package io.berth.protocol.cluster;

import java.util.List;

/**
 * A command a node agent accepts over the cluster. The schedulers hold an {@code ActorRef<AgentCommand>} per
 * node (given in {@link RegisterNode}); an agent's own internal messages may implement it too, so its behaviour
 * can be typed by this interface.
 */
public interface AgentCommand extends CborSerializable {
    /**
     * Why a command's task name does not fit an allocation: the error an agent answers with, naming the allocation,
     * the task and the tasks it has, beginning with {@code task: } (the API answers such an error with 404).
     *
     * @param task  the name a command gave; null (no task named) always fits
     * @param tasks the names of the allocation's tasks
     * @return null when the name fits
     */
    static String noSuchTask(String allocationId, String task, List<String> tasks) {
        if (task == null || tasks.contains(task)) {
            return null;
        }
        return "task: allocation " + allocationId + " has no task '" + task + "' (its tasks: " + String.join(", ", tasks)
                + ")";
    }
}
