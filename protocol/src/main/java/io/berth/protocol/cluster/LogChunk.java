package io.berth.protocol.cluster;

/**
 * Bytes a task wrote, for a {@link FollowLogs}.
 *
 * @param data  what was written; empty when {@code error} is set
 * @param error empty unless following failed
 */
public record LogChunk(String allocationId, LogStream stream, byte[] data, String error) implements CborSerializable {
    public LogChunk {
        data = data == null ? new byte[0] : data;
        error = error == null ? "" : error;
    }
}
