package io.berth.protocol.cluster;

import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/** Asks an agent for the last {@code lines} lines an allocation's task wrote to {@code stream}. */
public record TailLogs(String allocationId, LogStream stream, int lines, ActorRef<LogLines> replyTo)
        implements AgentCommand {
    public TailLogs {
        Objects.requireNonNull(allocationId, "allocationId");
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(replyTo, "replyTo");
    }
}
