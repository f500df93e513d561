package io.berth.runtime.cgroup;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * cgroup v1: the container gets a directory in each hierarchy it needs ({@link #joins}), named ones included, and
 * stays in the runtime's own cgroup in the others.
 */
final class CgroupsV1 implements Cgroups {
    /** The controllers the runtime itself uses, whatever the limits (see {@link #joins}). */
    private static final Set<String> ALWAYS = Set.of("devices", "freezer", "memory", "cpuacct", "pids");

    private final List<CgroupHost.Hierarchy> hierarchies;

    CgroupsV1(List<CgroupHost.Hierarchy> hierarchies) {
        this.hierarchies = List.copyOf(hierarchies);
    }

    @Override
    public CgroupVersion version() {
        return CgroupVersion.V1;
    }

    @Override
    public ContainerCgroup create(String cgroupsPath, String containerId, RuntimeSpec.Resources resources) {
        CgroupHost.CgroupPath path = CgroupHost.CgroupPath.of(cgroupsPath, containerId);
        Map<CgroupHost.Hierarchy, Path> dirs = new LinkedHashMap<>();
        for (CgroupHost.Hierarchy h : hierarchies) {
            if (joins(h, resources)) {
                dirs.put(h, path.directoryIn(h, false));
            }
        }
        ContainerCgroupV1 cgroup = new ContainerCgroupV1(dirs);
        List<Path> created = new ArrayList<>();
        try {
            for (Map.Entry<CgroupHost.Hierarchy, Path> e : cgroup.byHierarchy().entrySet()) {
                makeDirectories(e.getKey(), e.getValue(), created);
            }
            if (resources != null) {
                cgroup.apply(resources, false);
            }
            return cgroup;
        } catch (RuntimeException e) {
            throw CgroupFiles.removeCreated(created, e);
        }
    }

    /**
     * Whether a container gets a directory in {@code h}: in every named hierarchy (on a systemd host name=systemd
     * says which unit a process belongs to, and stopping the runtime's unit must not take the containers along), in
     * those holding a controller the runtime itself uses (devices for the allow-list, freezer for kill sweeps,
     * memory, cpuacct and pids for stats and the OOM verdict), and in any other only when {@code r} sets a limit of
     * one of its controllers. Each hierarchy costs a create a directory, a move and a mount, and delete a removal;
     * where a container has none it stays in the runtime's cgroup, which a relative cgroupsPath nests it under
     * anyway.
     */
    static boolean joins(CgroupHost.Hierarchy h, RuntimeSpec.Resources r) {
        for (String c : h.controllers()) {
            if (c.startsWith("name=") || ALWAYS.contains(c) || (r != null && limits(c, r))) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code r} sets anything controller {@code c} enforces (the fields {@code apply} writes for it). */
    private static boolean limits(String c, RuntimeSpec.Resources r) {
        RuntimeSpec.Cpu cpu = r.cpu();
        return switch (c) {
            case "cpu" -> cpu != null && (cpu.shares() != null || cpu.quota() != null || cpu.period() != null
                    || cpu.burst() != null || cpu.realtimePeriod() != null || cpu.realtimeRuntime() != null
                    || cpu.idle() != null);
            case "cpuset" -> cpu != null && (cpu.cpus() != null || cpu.mems() != null);
            case "blkio" -> r.blockIO() != null;
            case "hugetlb" -> r.hugepageLimits() != null && !r.hugepageLimits().isEmpty();
            case "net_cls" -> r.network() != null && r.network().classID() != null;
            case "net_prio" -> r.network() != null && r.network().priorities() != null;
            case "rdma" -> r.rdma() != null && !r.rdma().isEmpty();
            default -> false;
        };
    }

    /** The container's directories that exist: those {@link #create} made. */
    @Override
    public ContainerCgroupV1 open(String cgroupsPath, String containerId) {
        CgroupHost.CgroupPath path = CgroupHost.CgroupPath.of(cgroupsPath, containerId);
        Map<CgroupHost.Hierarchy, Path> dirs = new LinkedHashMap<>();
        for (CgroupHost.Hierarchy h : hierarchies) {
            Path d = path.directoryIn(h, false);
            if (d.toFile().isDirectory()) {  // java.io: a missing one costs no exception
                dirs.put(h, d);
            }
        }
        return new ContainerCgroupV1(dirs);
    }

    @Override
    public ContainerCgroupV1 open(List<Path> directories) {
        Map<CgroupHost.Hierarchy, Path> dirs = new LinkedHashMap<>();
        for (Path given : directories) {
            Path d = given.toAbsolutePath().normalize();
            CgroupHost.Hierarchy h = hierarchies.stream().filter(x -> d.startsWith(x.mountPoint())
                    && !d.equals(x.mountPoint())).findFirst().orElseThrow(() -> new CgroupException(d
                    + " is not a cgroup below any cgroup v1 hierarchy of this host (" + hierarchies.stream()
                    .map(CgroupHost.Hierarchy::mountPoint).toList() + ")", d, null, null));
            dirs.put(h, d);
        }
        if (dirs.isEmpty()) {
            throw new IllegalArgumentException("no cgroup directories given");
        }
        return new ContainerCgroupV1(dirs);
    }

    /**
     * Creates {@code dir} and its missing parents below the mount point, recording what it made (parents
     * first). In the cpuset hierarchy a new cgroup starts with empty cpus and mems, and no task can join it
     * until they are set, so they are copied down from the nearest ancestor that has them.
     */
    private static void makeDirectories(CgroupHost.Hierarchy h, Path dir, List<Path> created) {
        if (!makeDirectory(h.mountPoint(), dir, created) && !CgroupFiles.procsRecursive(dir).isEmpty()) {
            throw new CgroupException("cgroup " + dir + " already exists and has processes in it ("
                    + CgroupFiles.procsRecursive(dir) + "); choose another linux.cgroupsPath or delete the"
                    + " container that uses it", dir, null, null);
        }
        if (h.has("cpuset")) {
            inheritFromAncestors(h.mountPoint(), dir, "cpuset.cpus");
            inheritFromAncestors(h.mountPoint(), dir, "cpuset.mems");
        }
    }

    /** mkdir(2) of {@code dir}, and first of its missing parents; false when {@code dir} already existed. */
    private static boolean makeDirectory(Path mountPoint, Path dir, List<Path> created) {
        try {
            Files.createDirectory(dir);
            created.add(dir);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (NoSuchFileException e) {
            if (dir.getParent() == null || dir.getParent().equals(mountPoint)) {
                throw new CgroupException("cannot create cgroup " + dir + ": " + mountPoint + " is gone", dir, null,
                        e);
            }
            makeDirectory(mountPoint, dir.getParent(), created);
            return makeDirectory(mountPoint, dir, created);
        } catch (IOException e) {
            throw new CgroupException("cannot create cgroup " + dir + ": " + e.getMessage(), dir, null, e);
        }
    }

    private static void inheritFromAncestors(Path mountPoint, Path dir, String file) {
        if (CgroupFiles.read(dir.resolve(file)).isEmpty() && !dir.equals(mountPoint)) {
            inheritFromAncestors(mountPoint, dir.getParent(), file);
            CgroupFiles.write(dir.resolve(file), CgroupFiles.read(dir.getParent().resolve(file)), null);
        }
    }
}
