/**
 * The job spec: what a user asks Berth to run ({@link io.berth.protocol.job.Job} and the records under it), read
 * from JSON or YAML and validated by {@link io.berth.protocol.job.JobSpecs}. Every field is spelled in
 * snake_case ({@code memory_mb}, {@code max_parallel}), as in Nomad's JSON API, in both formats; durations
 * are strings such as {@code "30s"}, {@code "5m"} or {@code "1h30m"}.
 */
package io.berth.protocol.job;
