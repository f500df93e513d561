package io.berth.storage.image;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * How to mount a container's root file system: an overlay of the image's snapshots (read-only) under the
 * container's own upper and work directories. The agent mounts it; the store only prepares the directories.
 *
 * @param containerId the container it belongs to
 * @param lowerDirs   the snapshot directories, TOP layer first (overlayfs order); never empty
 * @param upperDir    the container's writable layer, created empty
 * @param workDir     overlayfs's work directory, on the same file system as {@code upperDir}
 */
public record RootfsMount(String containerId, List<Path> lowerDirs, Path upperDir, Path workDir) {

    public RootfsMount {
        lowerDirs = List.copyOf(lowerDirs);
    }

    /** The {@code -o} options of {@code mount -t overlay}, for {@code mount(2)}'s data argument too. */
    public String options() {
        return "lowerdir=" + lowerDirs.stream().map(Path::toString).collect(Collectors.joining(":"))
                + ",upperdir=" + upperDir + ",workdir=" + workDir;
    }

    /** The {@code mount} command that mounts this rootfs on {@code target}. */
    public List<String> mountCommand(Path target) {
        List<String> cmd = new ArrayList<>(List.of("mount", "-t", "overlay", "overlay", "-o", options()));
        cmd.add(target.toString());
        return cmd;
    }
}
