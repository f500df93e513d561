package io.berth.protocol.cluster;

import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Asks an agent for the last {@code lines} lines an allocation's task wrote to {@code stream}.
 *
 * @param task the task's name; null for the allocation's first task. A name the allocation has no task of is
 *             answered with a {@link LogLines} whose error names the allocation, the task and the tasks it has.
 */
public record TailLogs(String allocationId, String task, LogStream stream, int lines, ActorRef<LogLines> replyTo)
        implements AgentCommand {
    public TailLogs {
        Objects.requireNonNull(allocationId, "allocationId");
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(replyTo, "replyTo");
    }
}
