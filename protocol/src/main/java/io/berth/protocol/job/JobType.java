package io.berth.protocol.job;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a job's groups are placed and kept. */
public enum JobType {
    /** Long-running: kept at its count, replaced when it fails, rolled on update. */
    @JsonProperty("service") SERVICE,
    /** Runs to completion: successful allocations are not replaced. */
    @JsonProperty("batch") BATCH,
    /** One allocation of each group on every eligible node, new nodes included; count is ignored. */
    @JsonProperty("system") SYSTEM
}
