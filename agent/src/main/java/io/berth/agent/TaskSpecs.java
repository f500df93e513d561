package io.berth.agent;

import io.berth.protocol.job.NetworkMode;
import io.berth.protocol.job.Task;
import io.berth.protocol.job.Volume;
import io.berth.protocol.oci.image.ImageConfig;
import io.berth.protocol.oci.runtime.RuntimeSpec;
import io.berth.protocol.oci.runtime.RuntimeSpecs;
import io.berth.runtime.ContainerRuntime;
import io.berth.runtime.seccomp.DefaultSeccompProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a container's OCI runtime spec from its image's config and its task. The task overrides the image
 * (its command replaces the entrypoint, its args the cmd, its env adds to and overrides the image's); the
 * security settings are Docker's defaults: its capability set, no_new_privs, masked and read-only /proc and
 * /sys paths, a read-only cgroup mount and {@link DefaultSeccompProfile}. The job spec has no field to loosen
 * them yet, so every task gets them.
 */
final class TaskSpecs {

    /** Docker's default capability set (moby's oci/caps/defaults.go). */
    static final List<String> DEFAULT_CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID",
            "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

    /** Where a task finds its own scratch directory, which outlives restarts of the task. */
    static final String SCRATCH = "/local";

    private static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private TaskSpecs() {}

    /**
     * The spec for one run of the task.
     *
     * @param network     the allocation's network, which all its tasks share
     * @param rootfs      the mounted root file system (to resolve a user name through its /etc/passwd)
     * @param cgroupsPath the container's cgroup, below its allocation's
     * @param scratch     the task's scratch directory, mounted read-write at {@link #SCRATCH}
     * @throws IllegalArgumentException when the image and task leave no command, or the user cannot be resolved
     */
    static RuntimeSpec build(String allocationId, Task task, ImageConfig image, Map<String, Integer> hostPorts,
                             NetworkSetup.Attachment network, Path rootfs, String cgroupsPath, Path scratch) {
        ImageConfig.ExecConfig ic = image.config() != null ? image.config()
                : new ImageConfig.ExecConfig(null, null, null, null, null, null, null, null, null);
        List<String> args = new ArrayList<>(!task.command().isEmpty() ? task.command() : orEmpty(ic.entrypoint()));
        // Docker's rule: a task's own entrypoint drops the image's cmd too.
        args.addAll(!task.args().isEmpty() ? task.args() : task.command().isEmpty() ? orEmpty(ic.cmd()) : List.of());
        if (args.isEmpty()) {
            throw new IllegalArgumentException("task.command: the image " + task.image()
                    + " has no entrypoint or cmd, so the task must give a command");
        }
        RuntimeSpec d = RuntimeSpecs.defaultSpec();
        RuntimeSpec.Capabilities caps = new RuntimeSpec.Capabilities(DEFAULT_CAPABILITIES, DEFAULT_CAPABILITIES,
                null, DEFAULT_CAPABILITIES, null);
        String cwd = ic.workingDir() == null || ic.workingDir().isBlank() ? "/" : ic.workingDir();
        RuntimeSpec.Process process = new RuntimeSpec.Process(false, null, user(ic.user(), rootfs), args, null,
                env(allocationId, task, ic, hostPorts), cwd, caps, d.process().rlimits(), true, null, null, null);

        List<RuntimeSpec.Mount> mounts = new ArrayList<>(d.mounts());
        network.files().forEach((dest, src) -> mounts.add(bind(dest, src.toString(), true)));
        mounts.add(bind(SCRATCH, scratch.toString(), false));
        for (Volume v : task.volumes()) {
            if (v.type() != Volume.Type.BIND) {
                throw new IllegalArgumentException("task.volumes: named volumes are not supported by this agent yet ("
                        + v.source() + "); use a bind mount");
            }
            mounts.add(bind(v.destination(), v.source(), v.readOnly()));
        }

        List<RuntimeSpec.Namespace> namespaces = new ArrayList<>();
        for (RuntimeSpec.Namespace ns : d.linux().namespaces()) {
            if (!ns.type().equals("network")) {
                namespaces.add(ns);
            } else if (!network.hostNamespace()) {
                namespaces.add(new RuntimeSpec.Namespace("network", network.netnsPath()));
            }
        }
        long memory = (long) task.resources().memoryMb() << 20;
        RuntimeSpec.Resources resources = new RuntimeSpec.Resources(d.linux().resources().devices(),
                // swap equal to the limit: no swap on top of it, so a task over its limit is OOM-killed, not slowed
                new RuntimeSpec.Memory(memory, null, memory, null, null, null, null, null, null),
                new RuntimeSpec.Cpu(cpuShares(task.resources().cpuMhz()), null, null, null, null, null, null, null, null),
                null, null, null, null, null, null);
        RuntimeSpec.Linux dl = d.linux();
        RuntimeSpec.Linux linux = new RuntimeSpec.Linux(null, null, null, resources, cgroupsPath,
                namespaces, null, DefaultSeccompProfile.get(), null, dl.maskedPaths(), dl.readonlyPaths(), null, null);
        return new RuntimeSpec(d.ociVersion(), process, new RuntimeSpec.Root("rootfs", false),
                task.network() == NetworkMode.HOST ? null : hostname(allocationId), null, mounts, null,
                // reaper mode: the exit status and the log pipes outlive this agent process (live restore)
                Map.of("io.berth.allocation", allocationId, ContainerRuntime.REAPER_ANNOTATION, "true"), linux);
    }

    /** The allocation id as a host name label: letters, digits and '-', at most 63 characters. */
    static String hostname(String allocationId) {
        String h = allocationId.replaceAll("[^A-Za-z0-9-]", "-").replaceAll("^-+|-+$", "");
        h = h.length() > 63 ? h.substring(0, 63).replaceAll("-+$", "") : h;
        return h.isEmpty() ? "task" : h;
    }

    /** CPU MHz to cgroup shares: 1024 per 1000 MHz, as Nomad does, at least the kernel's minimum of 2. */
    static long cpuShares(int mhz) {
        return Math.max(2, mhz * 1024L / 1000);
    }

    private static List<String> env(String allocationId, Task task, ImageConfig.ExecConfig ic, Map<String, Integer> hostPorts) {
        Map<String, String> env = new LinkedHashMap<>();
        List<String> imageEnv = orEmpty(ic.env());
        if (imageEnv.stream().noneMatch(e -> e.startsWith("PATH="))) {
            put(env, DEFAULT_PATH);
        }
        imageEnv.forEach(e -> put(env, e));
        env.put("BERTH_ALLOC_ID", allocationId);
        env.put("BERTH_TASK_NAME", task.name());
        env.put("BERTH_TASK_DIR", SCRATCH);
        hostPorts.forEach((label, port) -> env.put("BERTH_PORT_" + label, port.toString()));
        env.putAll(task.env());
        List<String> out = new ArrayList<>();
        env.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    private static void put(Map<String, String> env, String entry) {
        int eq = entry.indexOf('=');
        env.put(eq < 0 ? entry : entry.substring(0, eq), eq < 0 ? "" : entry.substring(eq + 1));
    }

    /** The image's {@code User} ("name", "uid", "name:group", "uid:gid"), names looked up in the rootfs. */
    static RuntimeSpec.User user(String user, Path rootfs) {
        if (user == null || user.isBlank()) {
            return new RuntimeSpec.User(0L, 0L, null, null, null);
        }
        String[] parts = user.split(":", 2);
        long[] uidGid = lookup(parts[0], rootfs.resolve("etc/passwd"), true, user);
        long gid = parts.length == 2 ? lookup(parts[1], rootfs.resolve("etc/group"), false, user)[0] : uidGid[1];
        return new RuntimeSpec.User(uidGid[0], gid, null, null, null);
    }

    /** [id, primary gid] of a name or number in an /etc/passwd- or /etc/group-style file. */
    private static long[] lookup(String nameOrId, Path file, boolean passwd, String user) {
        if (nameOrId.matches("\\d+")) {
            long id = Long.parseLong(nameOrId);
            return new long[] {id, passwd ? id : 0};
        }
        try {
            for (String line : Files.readAllLines(file)) {
                String[] f = line.split(":");
                if (f.length >= 3 && f[0].equals(nameOrId)) {
                    return new long[] {Long.parseLong(f[2]), passwd && f.length >= 4 ? Long.parseLong(f[3]) : 0};
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new IllegalArgumentException("image config User '" + user + "': cannot read /etc/"
                    + file.getFileName() + " of the image: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("image config User '" + user + "': no '" + nameOrId + "' in /etc/"
                + file.getFileName() + " of the image");
    }

    private static RuntimeSpec.Mount bind(String destination, String source, boolean readOnly) {
        List<String> options = readOnly ? List.of("rbind", "ro", "nosuid", "nodev") : List.of("rbind", "nosuid", "nodev");
        return new RuntimeSpec.Mount(destination, "bind", source, options, null, null);
    }

    private static List<String> orEmpty(List<String> l) {
        return l == null ? List.of() : l;
    }
}
