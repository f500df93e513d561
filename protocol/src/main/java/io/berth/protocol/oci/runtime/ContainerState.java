package io.berth.protocol.oci.runtime;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * The OCI state document, as {@code state} prints it and hooks receive it on stdin. {@code pid} is null
 * once the container has stopped; {@code status} is one of {@code creating}, {@code created},
 * {@code running} or {@code stopped}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ContainerState(
        String ociVersion,
        String id,
        String status,
        Integer pid,
        String bundle,
        Map<String, String> annotations) {}
