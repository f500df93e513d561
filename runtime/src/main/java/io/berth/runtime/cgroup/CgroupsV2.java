package io.berth.runtime.cgroup;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** cgroup v2: the container gets one directory; its ancestors hand it every controller they have. */
final class CgroupsV2 implements Cgroups {
    private static final Logger LOG = LoggerFactory.getLogger(CgroupsV2.class);
    private final CgroupHost.Hierarchy hierarchy;

    CgroupsV2(CgroupHost.Hierarchy hierarchy) {
        this.hierarchy = hierarchy;
    }

    @Override
    public CgroupVersion version() {
        return CgroupVersion.V2;
    }

    @Override
    public ContainerCgroup create(String cgroupsPath, String containerId, RuntimeSpec.Resources resources) {
        ContainerCgroupV2 cgroup = open(cgroupsPath, containerId);
        Path dir = cgroup.directory();
        List<Path> created = new ArrayList<>();
        try {
            if (Files.isDirectory(dir) && !CgroupFiles.procsRecursive(dir).isEmpty()) {
                throw new CgroupException("cgroup " + dir + " already exists and has processes in it ("
                        + CgroupFiles.procsRecursive(dir) + "); choose another linux.cgroupsPath or delete the"
                        + " container that uses it", dir, null, null);
            }
            List<Path> levels = new ArrayList<>();
            for (Path p = dir; p != null && !p.equals(hierarchy.mountPoint()); p = p.getParent()) {
                levels.add(0, p);
            }
            Path parent = hierarchy.mountPoint();
            for (Path level : levels) {
                enableControllers(parent);
                if (!Files.isDirectory(level)) {
                    try {
                        Files.createDirectory(level);
                    } catch (IOException e) {
                        throw new CgroupException("cannot create cgroup " + level + ": " + e.getMessage(), level,
                                null, e);
                    }
                    created.add(level);
                }
                parent = level;
            }
            if (resources != null) {
                cgroup.apply(resources, false);
            }
            return cgroup;
        } catch (RuntimeException e) {
            throw CgroupFiles.removeCreated(created, e);
        }
    }

    @Override
    public ContainerCgroupV2 open(String cgroupsPath, String containerId) {
        return new ContainerCgroupV2(CgroupHost.CgroupPath.of(cgroupsPath, containerId).directoryIn(hierarchy, true));
    }

    @Override
    public ContainerCgroupV2 open(List<Path> directories) {
        if (directories.size() != 1) {
            throw new CgroupException("a cgroup v2 container has exactly one directory, was given " + directories);
        }
        Path d = directories.get(0).toAbsolutePath().normalize();
        if (!d.startsWith(hierarchy.mountPoint()) || d.equals(hierarchy.mountPoint())) {
            throw new CgroupException(d + " is not a cgroup below this host's cgroup2 mount "
                    + hierarchy.mountPoint(), d, null, null);
        }
        return new ContainerCgroupV2(d);
    }

    /**
     * Hands every controller {@code dir} has down to its children. A controller that cannot be enabled (a
     * cgroup with processes of its own, a threaded subtree) is left out; setting a limit that needs it then
     * fails with a message naming it.
     */
    private static void enableControllers(Path dir) {
        String available = CgroupFiles.read(dir.resolve("cgroup.controllers"));
        List<String> enabled = List.of(CgroupFiles.read(dir.resolve("cgroup.subtree_control")).split(" "));
        for (String controller : available.split(" ")) {
            if (!controller.isEmpty() && !enabled.contains(controller)) {
                try {
                    CgroupFiles.write(dir.resolve("cgroup.subtree_control"), "+" + controller, null);
                } catch (CgroupException e) {
                    LOG.debug("controller {} stays off below {}: {}", controller, dir, e.getMessage());
                }
            }
        }
    }
}
