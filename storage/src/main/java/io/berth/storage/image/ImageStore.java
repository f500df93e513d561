package io.berth.storage.image;

import io.berth.protocol.oci.image.Descriptor;
import io.berth.protocol.oci.image.ImageConfig;
import io.berth.storage.content.ContentStore;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The façade the agent and the registry client use: named images over a {@link ContentStore}, their layer
 * snapshots and container root file systems. Thread-safe; one process per store directory.
 *
 * <p>Names are full references as given, {@code repository:tag} or {@code repository@digest} (lowercase
 * repository path components, optional registry host and port); callers normalise them first (e.g.
 * {@code busybox} → {@code docker.io/library/busybox:latest}). A bad name throws
 * {@link IllegalArgumentException} naming it.
 *
 * <p>A pull goes: {@code content().leases().acquire(...)} → for each blob
 * {@code content().writer("pull-" + digest, descriptor, wait)} … {@code commit} and {@code lease.addBlob} →
 * {@link #putImage} → release the lease. {@link #putImage} refuses an image whose content is incomplete,
 * so a name never points to something unusable.
 */
public interface ImageStore extends AutoCloseable {

    /**
     * Opens (creating) the local image store in {@code root}, reconciling it after a crash.
     *
     * @throws io.berth.storage.content.StoreException when another process has it open
     */
    static ImageStore open(Path root, ImageStoreOptions options) throws IOException {
        return LocalImageStore.open(root, options);
    }

    /** The blobs. */
    ContentStore content();

    /** The platform images are resolved for. */
    ImageStoreOptions options();

    /**
     * Points {@code name} at a manifest or index that is already in the content store, after checking that
     * it parses and that everything needed to run it on this store's platform is present: for a manifest,
     * its config and layers; for an index, the manifest selected for the platform and its content.
     *
     * @param target the manifest or index descriptor (its media type must be one of the four manifest types)
     * @throws io.berth.storage.content.BlobNotFoundException when a needed blob is missing
     * @throws InvalidImageException when a document is malformed, its media type does not match, no
     *                               manifest matches the platform, or a {@code name@digest} pins another digest
     */
    Image putImage(String name, Descriptor target) throws IOException;

    /** The image stored under {@code name}, if any. */
    Optional<Image> find(String name) throws IOException;

    /**
     * Resolves {@code name} for this store's platform.
     *
     * @throws ImageNotFoundException when no image has that name
     * @throws InvalidImageException  when its documents are malformed or no manifest matches the platform
     */
    ResolvedImage resolve(String name) throws IOException;

    /**
     * Unpacks every layer of the image that has no snapshot yet (verifying its diffID), and returns the
     * chain base first. Concurrent calls for images sharing layers unpack each chainID once.
     *
     * @throws InvalidImageException when a layer is corrupt, its diffID does not match, or it holds an
     *                               entry that would escape its directory; nothing is left of that layer
     */
    List<Snapshot> ensureSnapshots(String name) throws IOException;

    /**
     * Prepares a container's root file system: ensures the snapshots, creates an empty upper and work
     * directory for {@code containerId} and records the use, so garbage collection keeps those snapshots.
     * Preparing again for the same container returns the same directories (a restarted agent re-adopts).
     *
     * @param containerId 1–128 characters of {@code [A-Za-z0-9_.-]}
     */
    RootfsMount prepareRootfs(String name, String containerId) throws IOException;

    /**
     * Deletes a container's upper and work directories and its use record (unmount first). Does nothing
     * when the container has none.
     */
    void releaseRootfs(String containerId) throws IOException;

    /** Every stored image, ordered by name. */
    List<Image> list() throws IOException;

    /**
     * Removes the name (content stays until {@link #prune}).
     *
     * @return whether there was such a name
     */
    boolean remove(String name) throws IOException;

    /**
     * Collects garbage: marks everything reachable from image names, live leases and container rootfs uses,
     * deletes every other blob and snapshot and stale ingests; then, while blobs plus snapshots exceed the
     * quota, evicts the least recently used image no container uses and collects again. Storing, unpacking
     * or preparing an image that takes the store over its quota runs this too, sparing that image.
     */
    PruneResult prune() throws IOException;

    /**
     * Checks the store without changing anything (an fsck): every indexed blob is present with its size and
     * digest (all bytes are read and hashed), no blob file lacks an entry, every image name resolves to
     * complete content for this store's platform, every snapshot entry has its directory and no snapshot
     * directory (a half-unpacked {@code tmp-} one included) lacks an entry, and every container rootfs record
     * has its directories and snapshots, and no container directory lacks a record. Opening a store after a
     * crash makes all of this true, so a problem means a bug or damage from outside. Safe while the store is
     * in use (a garbage collection waits for it); takes as long as reading every blob once.
     */
    StoreCheck check() throws IOException;

    /** Bytes used by blobs plus snapshots. */
    long diskUsage() throws IOException;

    /**
     * Imports every tagged manifest or index of an OCI image layout (a directory or a tar of one). An entry
     * of {@code index.json} is stored under its {@code org.opencontainers.image.ref.name}: a full reference,
     * or a tag appended to {@code repository}.
     *
     * @param repository the repository for entries whose ref name is only a tag, e.g. {@code example.com/demo};
     *                   null to require full references
     * @return the images stored
     * @throws InvalidImageException when the layout or a document in it is malformed, or a blob's digest
     *                               or size does not match; nothing is named then
     */
    List<Image> importLayout(Path layout, String repository) throws IOException;

    /**
     * Writes the named images into an OCI image layout, each tagged in {@code index.json} with its full
     * name, including every blob present of an index (the platforms that were not pulled are left out).
     *
     * @param asTar write a tar file at {@code target} instead of a directory
     */
    void exportLayout(List<String> names, Path target, boolean asTar) throws IOException;

    /**
     * Creates a one-layer image for this store's platform from a root file system (a directory, or a tar
     * of one) and stores it under {@code name}.
     *
     * @param defaults the process defaults for the config (entrypoint, cmd, env...); may be null
     */
    Image createImage(String name, Path rootfs, ImageConfig.ExecConfig defaults) throws IOException;

    @Override
    void close() throws IOException;
}
