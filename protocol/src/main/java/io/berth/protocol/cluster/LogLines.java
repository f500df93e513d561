package io.berth.protocol.cluster;

/**
 * The answer to {@link TailLogs}.
 *
 * @param text  the lines, each ending in a newline; empty on error
 * @param error empty unless the agent could not read the logs (an unknown allocation, for instance)
 */
public record LogLines(String allocationId, String text, String error) implements CborSerializable {
    public LogLines {
        text = text == null ? "" : text;
        error = error == null ? "" : error;
    }
}
