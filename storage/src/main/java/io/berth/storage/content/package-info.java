/**
 * The content store: immutable blobs addressed by digest under {@code blobs/sha256/<hex>}, written only
 * through verified ingests, indexed in RocksDB, held by leases while a pull or a container needs them.
 */
package io.berth.storage.content;
