package io.berth.protocol.cluster;

/**
 * Marks a message that crosses the cluster. Pekko's Jackson serializer is bound to this interface (CBOR), so
 * every implementation must be a record (or enum) whose fields Jackson can read and write.
 */
public interface CborSerializable {}
