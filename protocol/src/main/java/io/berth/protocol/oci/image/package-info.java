/**
 * The OCI image-spec documents (descriptor, manifest, index, image config, image layout) and their Docker
 * schema 2 equivalents, as immutable records read and written with Jackson. No I/O beyond parsing bytes.
 */
package io.berth.protocol.oci.image;
