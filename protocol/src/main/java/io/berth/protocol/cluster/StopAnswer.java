package io.berth.protocol.cluster;

/**
 * Whether a {@link StopAllocation} was accepted, and if not, why (an unknown allocation, for instance).
 *
 * @param reason empty when accepted
 */
public record StopAnswer(String allocationId, boolean accepted, String reason) implements CborSerializable {
    public StopAnswer {
        reason = reason == null ? "" : reason;
    }
}
