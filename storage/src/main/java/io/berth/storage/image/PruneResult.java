package io.berth.storage.image;

import io.berth.protocol.oci.image.Digest;

import java.util.List;

/**
 * What a garbage collection removed.
 *
 * @param imagesRemoved     names evicted to get under the quota (empty for a plain collection)
 * @param blobsRemoved      digests of blobs deleted
 * @param snapshotsRemoved  chainIDs of snapshots deleted
 * @param ingestsRemoved    refs of stale ingests deleted
 * @param bytesFreed        approximate bytes freed
 */
public record PruneResult(List<String> imagesRemoved, List<Digest> blobsRemoved, List<Digest> snapshotsRemoved,
                          List<String> ingestsRemoved, long bytesFreed) {
}
