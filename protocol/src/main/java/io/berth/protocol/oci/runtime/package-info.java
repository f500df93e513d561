/**
 * The OCI runtime-spec documents: {@code config.json} as {@link io.berth.protocol.oci.runtime.RuntimeSpec},
 * the state document, and their parsing and validation ({@link io.berth.protocol.oci.runtime.RuntimeSpecs}).
 */
package io.berth.protocol.oci.runtime;
