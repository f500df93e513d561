package io.berth.runtime.cgroup;

import java.nio.file.Path;
import java.util.List;

/**
 * One host directory to bind into a container for its {@code cgroup} mount.
 *
 * @param source the container's cgroup directory on the host
 * @param target where it goes below the container's {@code /sys/fs/cgroup}: on v1 the hierarchy's directory
 *     name as the host mounts it ({@code "memory"}, {@code "cpu,cpuacct"}, {@code "systemd"}); on v2 the empty
 *     string, meaning {@code /sys/fs/cgroup} itself
 * @param controllers on v1 the controllers this hierarchy holds ({@code ["cpu","cpuacct"]}, named hierarchies as
 *     {@code "name=systemd"}), so a runtime can add the usual {@code cpu -> cpu,cpuacct} symlinks; empty on v2
 */
public record CgroupMount(Path source, String target, List<String> controllers) {
    public CgroupMount {
        controllers = List.copyOf(controllers);
    }
}
