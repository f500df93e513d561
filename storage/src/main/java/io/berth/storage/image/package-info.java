/**
 * The image store: image references over the content store, platform selection, layer snapshots unpacked
 * once per chainID, overlay rootfs descriptions for containers, oci-layout import/export and garbage collection.
 */
package io.berth.storage.image;
