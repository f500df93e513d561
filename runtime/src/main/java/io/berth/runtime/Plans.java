package io.berth.runtime;

import io.berth.protocol.oci.runtime.LinuxNames;
import io.berth.protocol.oci.runtime.RuntimeSpec;
import io.berth.runtime.cgroup.CgroupMount;
import io.berth.runtime.linux.InitPlan;
import io.berth.runtime.linux.Linux;
import io.berth.runtime.seccomp.SeccompCompiler;
import io.berth.runtime.seccomp.SeccompProgram;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a validated config.json into the C init's plan. All policy lives here (defaults, ordering, which
 * namespace is created where); the init only executes. The order follows runc's: namespaces, rootfs and
 * mounts, devices, (the runtime's go: cgroup joined, prestart and createRuntime hooks run), the cgroup
 * namespace, createContainer hooks, pivot_root, read-only root, hostname, sysctl, readonly and
 * masked paths, then the process: rlimits, terminal, cwd, seccomp (early only without no_new_privs),
 * bounding set, user, capabilities, umask, no_new_privs, seccomp, and finally the exec.
 */
final class Plans {
    static final long MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_SYNCHRONOUS = 16,
            MS_REMOUNT = 32, MS_MANDLOCK = 64, MS_DIRSYNC = 128, MS_NOSYMFOLLOW = 256, MS_NOATIME = 1024,
            MS_NODIRATIME = 2048, MS_BIND = 4096, MS_REC = 16384, MS_UNBINDABLE = 1 << 17,
            MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19, MS_SHARED = 1 << 20, MS_RELATIME = 1 << 21,
            MS_STRICTATIME = 1 << 24, MS_LAZYTIME = 1 << 25;
    private static final long PROPAGATION = MS_UNBINDABLE | MS_PRIVATE | MS_SLAVE | MS_SHARED;
    private static final int S_IFIFO = 0010000, S_IFCHR = 0020000, S_IFBLK = 0060000;

    /** Mount options that set a flag; "+" sets it, "-" clears it. */
    private static final Map<String, Long> SET = Map.ofEntries(
            Map.entry("ro", MS_RDONLY), Map.entry("nosuid", MS_NOSUID), Map.entry("nodev", MS_NODEV),
            Map.entry("noexec", MS_NOEXEC), Map.entry("sync", MS_SYNCHRONOUS), Map.entry("mand", MS_MANDLOCK),
            Map.entry("dirsync", MS_DIRSYNC), Map.entry("nosymfollow", MS_NOSYMFOLLOW),
            Map.entry("noatime", MS_NOATIME), Map.entry("nodiratime", MS_NODIRATIME),
            Map.entry("relatime", MS_RELATIME), Map.entry("strictatime", MS_STRICTATIME),
            Map.entry("lazytime", MS_LAZYTIME), Map.entry("remount", MS_REMOUNT));
    private static final Map<String, Long> CLEAR = Map.ofEntries(
            Map.entry("rw", MS_RDONLY), Map.entry("suid", MS_NOSUID), Map.entry("dev", MS_NODEV),
            Map.entry("exec", MS_NOEXEC), Map.entry("async", MS_SYNCHRONOUS), Map.entry("nomand", MS_MANDLOCK),
            Map.entry("atime", MS_NOATIME), Map.entry("diratime", MS_NODIRATIME),
            Map.entry("norelatime", MS_RELATIME), Map.entry("nostrictatime", MS_STRICTATIME),
            Map.entry("symfollow", MS_NOSYMFOLLOW), Map.entry("nolazytime", MS_LAZYTIME),
            Map.entry("defaults", 0L));
    private static final Map<String, Long> PROPAGATIONS = Map.of(
            "private", MS_PRIVATE, "rprivate", MS_PRIVATE | MS_REC, "shared", MS_SHARED,
            "rshared", MS_SHARED | MS_REC, "slave", MS_SLAVE, "rslave", MS_SLAVE | MS_REC,
            "unbindable", MS_UNBINDABLE, "runbindable", MS_UNBINDABLE | MS_REC);
    /** Options runc accepts that only matter to other runtimes or to idmapped mounts: ignored. */
    private static final Set<String> IGNORED = Set.of("tmpcopyup", "idmap", "ridmap", "copy-symlink");

    private static final String[][] DEFAULT_DEVICES = {
        {"/dev/null", "1", "3"}, {"/dev/zero", "1", "5"}, {"/dev/full", "1", "7"},
        {"/dev/random", "1", "8"}, {"/dev/urandom", "1", "9"}, {"/dev/tty", "5", "0"},
    };

    /**
     * What every container may use whatever its device rules say, as runc allows it: mknod of any node (the
     * runtime creates the default devices), the default devices, ptys, the console and tun.
     */
    private static final List<RuntimeSpec.DeviceRule> ALWAYS_ALLOWED = List.of(
            allow("c", null, null, "m"), allow("b", null, null, "m"),
            allow("c", 1L, 3L, "rwm"), allow("c", 1L, 5L, "rwm"), allow("c", 1L, 7L, "rwm"),
            allow("c", 1L, 8L, "rwm"), allow("c", 1L, 9L, "rwm"), allow("c", 5L, 0L, "rwm"),
            allow("c", 5L, 1L, "rwm"), allow("c", 5L, 2L, "rwm"), allow("c", 136L, null, "rwm"),
            allow("c", 10L, 200L, "rwm"));

    static final int LAST_CAP = lastCap();

    private Plans() {}

    private static int lastCap() {
        // One read with a large buffer: sysctl files return nothing to a read at a non-zero offset, which
        // is what Files.readString does after its first byte on a file whose size reads as 0.
        try (java.io.FileInputStream in = new java.io.FileInputStream("/proc/sys/kernel/cap_last_cap")) {
            byte[] buf = new byte[32];
            int n = in.read(buf);
            return Integer.parseInt(new String(buf, 0, Math.max(n, 0), java.nio.charset.StandardCharsets.US_ASCII).trim());
        } catch (IOException | NumberFormatException e) {
            return LinuxNames.CAPABILITIES.size() - 1;
        }
    }

    private static RuntimeSpec.DeviceRule allow(String type, Long major, Long minor, String access) {
        return new RuntimeSpec.DeviceRule(true, type, major, minor, access);
    }

    /** linux.resources with the device rules every container needs appended (after the config's own). */
    static RuntimeSpec.Resources resources(RuntimeSpec spec) {
        RuntimeSpec.Linux linux = spec.linux();
        RuntimeSpec.Resources r = linux == null ? null : linux.resources();
        List<RuntimeSpec.DeviceRule> rules = new ArrayList<>();
        if (r != null && r.devices() != null) {
            rules.addAll(r.devices());
        }
        rules.addAll(ALWAYS_ALLOWED);
        if (linux != null && linux.devices() != null) {
            for (RuntimeSpec.Device d : linux.devices()) {
                if (!d.type().equals("p")) {
                    rules.add(allow(d.type().equals("b") ? "b" : "c", d.major(), d.minor(), "rwm"));
                }
            }
        }
        if (r == null) {
            return new RuntimeSpec.Resources(rules, null, null, null, null, null, null, null, null);
        }
        return new RuntimeSpec.Resources(rules, r.memory(), r.cpu(), r.pids(), r.blockIO(), r.hugepageLimits(),
                r.network(), r.rdma(), r.unified());
    }

    static int namespaceFlag(String type) {
        switch (type) {
            case "pid": return Linux.CLONE_NEWPID;
            case "network": return Linux.CLONE_NEWNET;
            case "mount": return Linux.CLONE_NEWNS;
            case "ipc": return Linux.CLONE_NEWIPC;
            case "uts": return Linux.CLONE_NEWUTS;
            case "cgroup": return Linux.CLONE_NEWCGROUP;
            case "user": return Linux.CLONE_NEWUSER;
            case "time": return Linux.CLONE_NEWTIME;
            default: throw new IllegalArgumentException("unknown namespace type " + type);
        }
    }

    static List<RuntimeSpec.Namespace> namespaces(RuntimeSpec spec) {
        return spec.linux() == null || spec.linux().namespaces() == null ? List.of() : spec.linux().namespaces();
    }

    /**
     * What the spawn thread unshares: every new namespace except cgroup (the init does it once in its cgroup)
     * and user (a multithreaded process cannot; the single-threaded init does, see {@link #newUserNamespace}).
     */
    static int threadUnshareFlags(RuntimeSpec spec) {
        int flags = 0;
        for (RuntimeSpec.Namespace ns : namespaces(spec)) {
            if (ns.path() == null && !ns.type().equals("cgroup") && !ns.type().equals("user")) {
                flags |= namespaceFlag(ns.type());
            }
        }
        return flags;
    }

    /** The pid namespace to join by path (the spawn thread joins it so the init is born inside), or null. */
    static String pidNamespacePath(RuntimeSpec spec) {
        return namespaces(spec).stream().filter(n -> n.type().equals("pid") && n.path() != null)
                .map(RuntimeSpec.Namespace::path).findFirst().orElse(null);
    }

    /**
     * Whether the container stays in the runtime's mount namespace (config.json names no mount namespace). Its
     * rootfs is then bound, privately, on a directory of the runtime's state ({@code rootfs} in the container's
     * directory, unmounted by delete) and entered with chroot: pivot_root would move the host's root.
     */
    static boolean hostMountNamespace(RuntimeSpec spec) {
        return namespaces(spec).stream().noneMatch(n -> n.type().equals("mount"));
    }

    /**
     * Whether the container gets a new user namespace. It owns none of the container's other namespaces: the
     * spawn thread creates those in the host's user namespace, the init does every privileged step (mounts,
     * pivot_root, devices, masked paths, sysctl, hostname) as host root, then, right before the credential
     * steps, unshares the user namespace and has the runtime write its uid_map and gid_map (a
     * multithreaded JVM cannot unshare CLONE_NEWUSER). The process's ids are then those of the new user
     * namespace, its capabilities count only there: it cannot remount, sethostname or change sysctls of its
     * own namespaces, as it could if its user namespace owned them.
     */
    static boolean newUserNamespace(RuntimeSpec spec) {
        return namespaces(spec).stream().anyMatch(n -> n.type().equals("user") && n.path() == null);
    }

    /** Refuses what this runtime cannot do, naming the config field. */
    static void checkSupported(RuntimeSpec spec) {
        List<RuntimeSpec.Namespace> nss = namespaces(spec);
        for (int i = 0; i < nss.size(); i++) {
            RuntimeSpec.Namespace ns = nss.get(i);
            if (ns.type().equals("user")) {
                checkUserNamespace(spec, i);
            }
            if (ns.path() != null && !Files.exists(Path.of(ns.path()))) {
                throw new ContainerRuntimeException("config.json: $.linux.namespaces[" + i + "].path: " + ns.path()
                        + " does not exist; give the namespace file of a running process (/proc/<pid>/ns/...) "
                        + "or a bind mount of one");
            }
        }
    }

    private static void checkUserNamespace(RuntimeSpec spec, int i) {
        String at = "config.json: $.linux.namespaces[" + i + "]: ";
        if (spec.linux().namespaces().get(i).path() != null) {
            throw new ContainerRuntimeException(at + "joining a user namespace by path is not supported by Berth "
                    + "yet; remove its path to get a new one");
        }
        if (spec.linux().uidMappings() == null || spec.linux().uidMappings().isEmpty()
                || spec.linux().gidMappings() == null || spec.linux().gidMappings().isEmpty()) {
            throw new ContainerRuntimeException(at + "user namespaces need $.linux.uidMappings and "
                    + "$.linux.gidMappings (each {containerID, hostID, size}); without them no id exists inside");
        }
        if (hostMountNamespace(spec)) {  // unshare(CLONE_NEWUSER) refuses a chrooted process (EPERM)
            throw new ContainerRuntimeException(at + "user namespaces need a mount namespace too; add "
                    + "{\"type\": \"mount\"} to $.linux.namespaces");
        }
    }

    /** Whether the init runs hooks (createContainer, startContainer), whose state document holds the pid. */
    static boolean initRunsHooks(RuntimeSpec spec) {
        return spec.hooks() != null && (notEmpty(spec.hooks().createContainer())
                || notEmpty(spec.hooks().startContainer()));
    }

    /**
     * The plan that creates a container; the init then waits on the exec FIFO and execs process.args, or in
     * reaper mode ({@code exitFileFd} not -1) forks it and stays as its reaper. {@code createdState} (the state
     * document the init's hooks get) may be null when {@link #initRunsHooks} is false.
     */
    static InitPlan create(RuntimeSpec spec, Path bundle, Path rootfs, Path rootMount, CreateOptions options,
            List<CgroupMount> cgroupMounts, int consoleFd, int fifoFd, int exitFileFd, String createdState) {
        InitPlan plan = new InitPlan();
        List<RuntimeSpec.Namespace> nss = namespaces(spec);
        for (RuntimeSpec.Namespace ns : nss) {  // joined by path: all but pid (the spawn thread) and mount (last)
            if (ns.path() != null && !ns.type().equals("pid") && !ns.type().equals("mount")) {
                plan.setns(ns.path(), namespaceFlag(ns.type()));
            }
        }
        // The mount namespace is joined by the single-threaded init, after the others (whose paths are host
        // paths); from here on every path (rootfs, bind sources) is resolved in it, as runc does. The spawn
        // thread cannot join it: the init is executed from /proc/self/fd/<memfd> in the host's namespace.
        nss.stream().filter(n -> n.type().equals("mount") && n.path() != null).findFirst()
                .ifPresent(n -> plan.setns(n.path(), Linux.CLONE_NEWNS));
        RuntimeSpec.Linux linux = spec.linux();
        String propagation = linux == null ? null : linux.rootfsPropagation();
        // Before the rootfs bind, the whole tree turns rslave (rprivate if asked): recursively, so nothing the
        // container mounts can reach the host, and never unbindable, which would make the rootfs bind fail
        // (EINVAL). The requested propagation goes on the new root after pivot_root.
        boolean privateRoot = propagation != null && propagation.endsWith("private");
        boolean hostNs = hostMountNamespace(spec);
        if (hostNs) {  // only the container's own bind turns private: the host's tree is left as it is
            plan.rootfs(rootfs.toString(), rootMount.toString(), MS_PRIVATE | MS_REC);
        } else {
            plan.rootPropagation((privateRoot ? MS_PRIVATE : MS_SLAVE) | MS_REC);
            plan.rootfs(rootfs.toString(), rootMount.toString(), 0);
        }
        for (RuntimeSpec.Mount m : spec.mounts() == null ? List.<RuntimeSpec.Mount>of() : spec.mounts()) {
            addMount(plan, m, bundle, cgroupMounts);
        }
        devices(plan, linux);
        // The runtime's go (cgroup joined, prestart and createRuntime hooks run) must come before the hooks
        // that follow it and before pivot_root when there are hooks; without hooks the init also pivots
        // while the runtime joins the cgroup, so the two RCU grace periods (pivot's unmount, v2's cgroup
        // migration) overlap.
        boolean hooks = spec.hooks() != null && (notEmpty(spec.hooks().prestart())
                || notEmpty(spec.hooks().createRuntime()) || notEmpty(spec.hooks().createContainer()));
        boolean cgroupNs = nss.stream().anyMatch(n -> n.type().equals("cgroup") && n.path() == null);
        if (hooks) {
            joinedCgroup(plan, cgroupNs);
        }
        hooks(plan, spec.hooks() == null ? null : spec.hooks().createContainer(), createdState);
        if (hostNs) {
            plan.chrootIntoRootfs();
        } else {
            plan.pivot(options.noPivot());
        }
        if (spec.root().readonly() != null && spec.root().readonly()) {
            plan.remountRootReadOnly();
        }
        if (spec.hostname() != null && !spec.hostname().isEmpty()) {
            plan.hostname(spec.hostname());
        }
        if (spec.domainname() != null && !spec.domainname().isEmpty()) {
            plan.domainname(spec.domainname());
        }
        if (linux != null && linux.sysctl() != null) {
            linux.sysctl().forEach((k, v) -> plan.sysctl("/proc/sys/" + k.replace('.', '/'), v));
        }
        if (linux != null && linux.readonlyPaths() != null) {
            linux.readonlyPaths().forEach(plan::readonly);
        }
        if (linux != null && linux.maskedPaths() != null) {
            linux.maskedPaths().forEach(plan::mask);
        }
        if (propagation != null) {  // last: the binds above fail (EINVAL) on an unbindable source
            plan.rootPropagationAfterPivot(PROPAGATIONS.get(propagation));
        }
        if (!hooks) {
            joinedCgroup(plan, cgroupNs);
        }
        boolean userNs = newUserNamespace(spec);
        process(plan, spec.process(), linux == null ? null : linux.seccomp(), consoleFd,
                userNs ? plan::newUserNamespace : null);
        plan.ready();
        plan.waitExecFifo(fifoFd);
        hooks(plan, spec.hooks() == null ? null : spec.hooks().startContainer(), createdState);
        if (exitFileFd >= 0) {
            plan.reaper(exitFileFd);
        }
        return plan.execve();
    }

    private static boolean notEmpty(List<?> list) {
        return list != null && !list.isEmpty();
    }

    private static void joinedCgroup(InitPlan plan, boolean cgroupNs) {
        plan.waitParent();
        if (cgroupNs) {
            plan.unshare(Linux.CLONE_NEWCGROUP);  // only now is the init in its cgroup, which becomes its root
        }
    }

    /** The plan of {@code exec}: join the container's namespaces (mount last), then the process part. */
    static InitPlan exec(RuntimeSpec spec, int initPid, RuntimeSpec.Process process, int consoleFd) {
        InitPlan plan = new InitPlan();
        List<String> order = List.of("ipc", "uts", "network", "cgroup", "time", "mount");
        Set<String> present = new HashSet<>();
        namespaces(spec).forEach(n -> present.add(n.type()));
        if (present.contains("user")) {  // its host path is gone once in the container's mount (and pid) namespace
            plan.openNamespace("/proc/" + initPid + "/ns/user");
        }
        for (String type : order) {
            if (present.contains(type)) {
                String file = type.equals("network") ? "net" : type.equals("mount") ? "mnt" : type;
                plan.setns("/proc/" + initPid + "/ns/" + file,
                        namespaceFlag(type));
            }
        }
        if (hostMountNamespace(spec)) {
            plan.chroot("/proc/" + initPid + "/root");
        }
        // Joined last, like the init enters it: the other namespaces belong to the host's user namespace.
        Runnable userNs = present.contains("user") ? () -> plan.setnsOpened(Linux.CLONE_NEWUSER) : null;
        process(plan, process, spec.linux() == null ? null : spec.linux().seccomp(), consoleFd, userNs);
        return plan.waitParent().execve();  // the go comes once the runtime has put the process in the cgroup
    }

    /** The process part; enterUserNs (null: none) runs before seccomp and the credential steps. */
    private static void process(InitPlan plan, RuntimeSpec.Process p, RuntimeSpec.Seccomp seccomp, int consoleFd,
            Runnable enterUserNs) {
        if (p.rlimits() != null) {
            for (RuntimeSpec.Rlimit r : p.rlimits()) {
                plan.rlimit(r.type(), LinuxNames.RLIMITS.indexOf(r.type()), r.soft(), r.hard());
            }
        }
        if (consoleFd >= 0) {
            RuntimeSpec.ConsoleSize size = p.consoleSize();
            plan.console(consoleFd, size == null || size.height() == null ? 0 : size.height(),
                    size == null || size.width() == null ? 0 : size.width());
        }
        plan.chdir(p.cwd() == null || p.cwd().isEmpty() ? "/" : p.cwd());
        if (enterUserNs != null) {  // before seccomp: a filter could forbid unshare/setns
            enterUserNs.run();
        }
        boolean nnp = p.noNewPrivileges() != null && p.noNewPrivileges();
        SeccompProgram filter = seccomp == null ? null : SeccompCompiler.compile(seccomp);
        if (filter != null && !nnp) {  // without no_new_privs installing a filter needs CAP_SYS_ADMIN: before the drop
            plan.seccomp(filter.filter(), filter.flags());
        }
        RuntimeSpec.Capabilities caps = p.capabilities();
        if (caps != null) {
            plan.dropBounding(mask(caps.bounding()), LAST_CAP);
        }
        RuntimeSpec.User user = p.user();
        long uid = user == null || user.uid() == null ? 0 : user.uid();
        long gid = user == null || user.gid() == null ? 0 : user.gid();
        plan.user(uid, gid, user == null || user.additionalGids() == null ? List.of() : user.additionalGids());
        if (caps != null) {
            plan.capabilities(mask(caps.effective()), mask(caps.permitted()), mask(caps.inheritable()),
                    mask(caps.ambient()), LAST_CAP);
        }
        plan.umask(user == null || user.umask() == null ? 0022 : user.umask());
        if (nnp) {
            plan.noNewPrivileges();
        }
        if (filter != null && nnp) {
            plan.seccomp(filter.filter(), filter.flags());
        }
        plan.resolveExec(p.args(), p.env() == null ? List.of() : p.env());
    }

    private static long mask(List<String> names) {
        long m = 0;
        if (names != null) {
            for (String n : names) {
                int cap = LinuxNames.CAPABILITIES.indexOf(n);
                if (cap >= 0 && cap <= LAST_CAP) {  // runc, too, skips capabilities this kernel does not know
                    m |= 1L << cap;
                }
            }
        }
        return m;
    }

    private static void hooks(InitPlan plan, List<RuntimeSpec.Hook> hooks, String stateJson) {
        if (hooks != null) {
            for (RuntimeSpec.Hook h : hooks) {
                plan.hook(h.path(), h.args() == null ? List.of(h.path()) : h.args(),
                        h.env() == null ? List.of() : h.env(), h.timeout() == null ? 0 : h.timeout(), stateJson);
            }
        }
    }

    private static void addMount(InitPlan plan, RuntimeSpec.Mount m, Path bundle, List<CgroupMount> cgroupMounts) {
        long flags = 0;
        long propagation = 0;
        boolean bind = "bind".equals(m.type());
        boolean recursive = false;
        List<String> data = new ArrayList<>();
        for (String o : m.options() == null ? List.<String>of() : m.options()) {
            if (o.equals("bind")) {
                bind = true;
            } else if (o.equals("rbind")) {
                bind = true;
                recursive = true;
            } else if (SET.containsKey(o)) {
                flags |= SET.get(o);
            } else if (CLEAR.containsKey(o)) {
                flags &= ~CLEAR.get(o);
            } else if (PROPAGATIONS.containsKey(o)) {
                propagation |= PROPAGATIONS.get(o);
            } else if (!IGNORED.contains(o)) {
                data.add(o);
            }
        }
        String dest = m.destination();
        if ("cgroup".equals(m.type())) {
            cgroupMount(plan, dest, flags, cgroupMounts);
            return;
        }
        if (bind) {
            Path source = bundle.resolve(m.source() == null ? "" : m.source());
            boolean file = Files.exists(source) && !Files.isDirectory(source);
            long remount = flags & ~PROPAGATION;
            plan.mount(source.toString(), dest, "", "", MS_BIND | (recursive ? MS_REC : 0),
                    remount == 0 ? 0 : MS_BIND | MS_REMOUNT | remount, propagation, true, file);
        } else {
            String type = m.type() == null ? "" : m.type();
            String source = m.source() == null ? type : m.source();
            plan.mount(source, dest, type, String.join(",", data), flags, 0, propagation, false, false);
        }
    }

    /**
     * A {@code cgroup} mount shows the container its own cgroup: on v1 a tmpfs with each hierarchy's container
     * directory bound below it (plus runc's {@code cpu -> cpu,cpuacct} symlinks), on v2 the one directory. The
     * mount's ro, nosuid, nodev and noexec then go on the whole tree at once (as runc, the tmpfs too when ro).
     */
    private static void cgroupMount(InitPlan plan, String dest, long flags, List<CgroupMount> sources) {
        boolean v2 = sources.size() == 1 && sources.get(0).target().isEmpty();
        if (!v2) {
            plan.mount("tmpfs", dest, "tmpfs", "mode=755", MS_NOSUID | MS_NODEV | MS_NOEXEC, 0, 0, false, false);
        }
        for (CgroupMount c : sources) {
            String target = c.target().isEmpty() ? dest : dest + "/" + c.target();
            plan.mount(c.source().toString(), target, "", "", MS_BIND, 0, 0, true, false);
            if (c.controllers().size() > 1) {
                for (String controller : c.controllers()) {
                    if (!controller.equals(c.target())) {
                        plan.symlink(c.target(), dest + "/" + controller);
                    }
                }
            }
        }
        long attributes = ((flags & MS_RDONLY) != 0 ? InitPlan.MOUNT_ATTR_RDONLY : 0)
                | ((flags & MS_NOSUID) != 0 ? InitPlan.MOUNT_ATTR_NOSUID : 0)
                | ((flags & MS_NODEV) != 0 ? InitPlan.MOUNT_ATTR_NODEV : 0)
                | ((flags & MS_NOEXEC) != 0 ? InitPlan.MOUNT_ATTR_NOEXEC : 0);
        if (attributes != 0) {
            plan.mountAttributes(dest, attributes);
        }
    }

    private static void devices(InitPlan plan, RuntimeSpec.Linux linux) {
        Set<String> given = new HashSet<>();
        List<RuntimeSpec.Device> devices = linux == null || linux.devices() == null ? List.of() : linux.devices();
        devices.forEach(d -> given.add(d.path()));
        for (String[] d : DEFAULT_DEVICES) {
            if (!given.contains(d[0])) {
                plan.mknod(d[0], S_IFCHR | 0666, Long.parseLong(d[1]), Long.parseLong(d[2]), 0, 0);
            }
        }
        for (RuntimeSpec.Device d : devices) {
            int type;
            switch (d.type()) {
                case "b": type = S_IFBLK; break;
                case "p": type = S_IFIFO; break;
                default: type = S_IFCHR;  // "c" and "u"
            }
            int mode = d.fileMode() == null ? 0666 : d.fileMode();
            plan.mknod(d.path(), type | (mode & 07777), d.major() == null ? 0 : d.major(),
                    d.minor() == null ? 0 : d.minor(), d.uid() == null ? 0 : d.uid(), d.gid() == null ? 0 : d.gid());
        }
        plan.symlink("/proc/self/fd", "/dev/fd");
        plan.symlink("/proc/self/fd/0", "/dev/stdin");
        plan.symlink("/proc/self/fd/1", "/dev/stdout");
        plan.symlink("/proc/self/fd/2", "/dev/stderr");
        plan.symlink("pts/ptmx", "/dev/ptmx");
        if (Files.exists(Path.of("/proc/kcore"))) {
            plan.symlink("/proc/kcore", "/dev/core");
        }
    }
}
