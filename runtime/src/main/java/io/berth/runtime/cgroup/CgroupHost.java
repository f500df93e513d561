package io.berth.runtime.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Finds the cgroup hierarchies in {@code /proc/self/mountinfo} and the runtime's own cgroups in
 * {@code /proc/self/cgroup}, and turns a {@code cgroupsPath} into directories.
 */
final class CgroupHost {
    /** v1 controllers, as /proc/cgroups names them; any other superblock option of a cgroup mount is a flag. */
    private static final Set<String> V1_CONTROLLERS = Set.of("cpuset", "cpu", "cpuacct", "blkio", "memory",
            "devices", "freezer", "net_cls", "perf_event", "net_prio", "hugetlb", "pids", "rdma", "misc", "debug");
    private static final Pattern SYSTEMD_PATH = Pattern.compile("[^/:]*:[^/:]*:[^/:]+");

    /**
     * A mounted hierarchy.
     *
     * @param mountPoint where it is mounted
     * @param mountRoot which cgroup of the hierarchy appears at the mount point ("/" unless bind-mounted)
     * @param controllers v1 controllers, and "name=x" for a named hierarchy; empty for v2
     * @param ownPath the runtime's own cgroup in this hierarchy, from /proc/self/cgroup
     */
    record Hierarchy(Path mountPoint, String mountRoot, List<String> controllers, String ownPath) {
        /** The directory of the cgroup at hierarchy-absolute {@code path}, or null when the mount hides it. */
        Path directory(String path) {
            String root = mountRoot.equals("/") ? "" : mountRoot;
            if (!path.equals(root) && !path.startsWith(root + "/")) {
                return null;
            }
            String below = path.substring(root.length());
            return below.isEmpty() ? mountPoint : mountPoint.resolve(below.substring(1));
        }

        /** The directory name this hierarchy gets below a container's /sys/fs/cgroup. */
        String targetName() {
            return mountPoint.getFileName() == null ? String.join(",", controllers)
                    : mountPoint.getFileName().toString();
        }

        boolean has(String controller) {
            return controllers.contains(controller);
        }
    }

    private CgroupHost() {}

    static Cgroups detect() {
        try {
            return detect(Files.readString(Path.of("/proc/self/mountinfo")),
                    Files.readString(Path.of("/proc/self/cgroup")));
        } catch (IOException e) {
            throw new CgroupException("cannot read /proc/self/mountinfo or /proc/self/cgroup: " + e.getMessage()
                    + "; the runtime needs /proc mounted", null, null, e);
        }
    }

    /** Chooses v1 when any v1 controller is mounted (a hybrid host), else v2. */
    static Cgroups detect(String mountinfo, String procSelfCgroup) {
        List<Hierarchy> v1 = v1Hierarchies(mountinfo, procSelfCgroup);
        if (v1.stream().anyMatch(h -> h.controllers().stream().anyMatch(V1_CONTROLLERS::contains))) {
            return new CgroupsV1(v1);
        }
        Hierarchy v2 = v2Hierarchy(mountinfo, procSelfCgroup);
        if (v2 == null) {
            throw new CgroupException("no cgroup filesystem is mounted (neither cgroup2 nor a cgroup v1 controller"
                    + " in /proc/self/mountinfo); mount cgroup2 at /sys/fs/cgroup");
        }
        return new CgroupsV2(v2);
    }

    /** The v1 hierarchies, one entry per hierarchy even when it is mounted more than once. */
    static List<Hierarchy> v1Hierarchies(String mountinfo, String procSelfCgroup) {
        Map<String, String> own = ownPaths(procSelfCgroup);
        Map<List<String>, Hierarchy> byControllers = new LinkedHashMap<>();
        for (String[] m : mounts(mountinfo)) {
            if (!m[2].equals("cgroup")) {
                continue;
            }
            List<String> controllers = new ArrayList<>();
            for (String option : m[3].split(",")) {
                if (V1_CONTROLLERS.contains(option) || option.startsWith("name=")) {
                    controllers.add(option);
                }
            }
            if (controllers.isEmpty()) {
                continue;
            }
            String ownPath = own.get(controllers.get(0));
            if (ownPath == null) {
                continue;
            }
            byControllers.putIfAbsent(controllers, new Hierarchy(Path.of(m[1]), m[0], List.copyOf(controllers),
                    ownPath));
        }
        return List.copyOf(byControllers.values());
    }

    static Hierarchy v2Hierarchy(String mountinfo, String procSelfCgroup) {
        String ownPath = ownPaths(procSelfCgroup).get("");
        for (String[] m : mounts(mountinfo)) {
            if (m[2].equals("cgroup2")) {
                return new Hierarchy(Path.of(m[1]), m[0], List.of(), ownPath == null ? "/" : ownPath);
            }
        }
        return null;
    }

    /**
     * A container's {@code cgroupsPath}, checked and split.
     *
     * @param absolute whether it starts at each hierarchy's root rather than at the runtime's own cgroup
     * @param parts its directory names, never empty, never "." or ".."
     */
    record CgroupPath(boolean absolute, List<String> parts) {
        /** Parses a cgroupsPath; null or empty means the default {@code berth/<containerId>}. */
        static CgroupPath of(String cgroupsPath, String containerId) {
            if (containerId == null || containerId.isEmpty()) {
                throw new IllegalArgumentException("containerId must not be empty");
            }
            String path = cgroupsPath == null || cgroupsPath.isEmpty() ? "berth/" + containerId : cgroupsPath;
            if (SYSTEMD_PATH.matcher(path).matches()) {
                throw new CgroupException("linux.cgroupsPath \"" + path + "\" is in the systemd driver's"
                        + " slice:prefix:name form, which Berth does not support; give a cgroupfs path such as"
                        + " /berth/" + containerId);
            }
            List<String> parts = new ArrayList<>();
            for (String p : path.split("/")) {
                if (p.equals("..")) {
                    throw new CgroupException("linux.cgroupsPath \"" + path + "\" contains \"..\"; give a path"
                            + " without it");
                }
                if (!p.isEmpty() && !p.equals(".")) {
                    parts.add(p);
                }
            }
            if (parts.isEmpty()) {
                throw new CgroupException("linux.cgroupsPath \"" + path + "\" names the root cgroup; a container"
                        + " needs a cgroup of its own such as /berth/" + containerId);
            }
            return new CgroupPath(path.startsWith("/"), List.copyOf(parts));
        }

        /**
         * The container's directory in {@code h}. An absolute path starts at the mount point, as runc does; a
         * relative one at the runtime's own cgroup, or on v2 at its parent ({@code ownParent}).
         */
        Path directoryIn(Hierarchy h, boolean ownParent) {
            Path base = h.mountPoint();
            if (!absolute) {
                String own = h.ownPath();
                if (ownParent) {
                    int slash = own.lastIndexOf('/');
                    own = slash <= 0 ? "/" : own.substring(0, slash);
                }
                Path ownDir = h.directory(own);
                base = ownDir == null ? h.mountPoint() : ownDir;
            }
            return base.resolve(String.join("/", parts));
        }
    }

    /** Maps each controller (and "name=x", and "" for v2) to the runtime's own cgroup path. */
    private static Map<String, String> ownPaths(String procSelfCgroup) {
        Map<String, String> own = new LinkedHashMap<>();
        for (String line : procSelfCgroup.split("\n")) {
            String[] f = line.split(":", 3);
            if (f.length < 3) {
                continue;
            }
            if (f[1].isEmpty()) {
                own.put("", f[2]);
            } else {
                for (String c : f[1].split(",")) {
                    own.put(c, f[2]);
                }
            }
        }
        return own;
    }

    /** mountinfo lines as {root, mountPoint, fstype, superOptions}, octal escapes decoded. */
    private static List<String[]> mounts(String mountinfo) {
        List<String[]> out = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            if (dash < 6 || f.length < dash + 4) {
                continue;
            }
            out.add(new String[] {unescape(f[3]), unescape(f[4]), f[dash + 1], f[dash + 3]});
        }
        return out;
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
