package io.berth.protocol.cluster;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Something that happened in the cluster, for the event stream of the API. Schedulers publish these; each
 * scheduler node's event log numbers them.
 *
 * @param topic   {@code Job}, {@code Allocation}, {@code Node}, {@code Deployment} or {@code Evaluation}
 * @param type    what happened, in the past tense: {@code JobRegistered}, {@code AllocationPlaced},
 *                {@code AllocationStateChanged}, {@code NodeDown}, {@code DeploymentSucceeded}...
 * @param key     the id of what it happened to (a job id, an allocation id, a node name)
 * @param details what a reader needs to know, as strings; never null
 */
public record BerthEvent(String topic, String type, String key, Map<String, String> details, Instant at)
        implements CborSerializable {
    public BerthEvent {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(key, "key");
        details = details == null ? Map.of() : Map.copyOf(details);
        Objects.requireNonNull(at, "at");
    }
}
