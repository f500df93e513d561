package io.berth.runtime;

import io.berth.protocol.oci.runtime.ContainerState;
import io.berth.protocol.oci.runtime.InvalidSpecException;
import io.berth.protocol.oci.runtime.RuntimeSpec;
import io.berth.protocol.oci.runtime.RuntimeSpecs;
import io.berth.runtime.cgroup.CgroupStats;
import io.berth.runtime.cgroup.CgroupVersion;
import io.berth.runtime.cgroup.Cgroups;
import io.berth.runtime.cgroup.ContainerCgroup;
import io.berth.runtime.linux.InitPlan;
import io.berth.runtime.linux.InitSpawner;
import io.berth.runtime.linux.Linux;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Berth's OCI runtime, in-process: one instance per state root, shared by every thread of the process.
 *
 * <p>Each container has a directory {@code <stateRoot>/<id>} holding {@code state.json}, a copy of its
 * {@code config.json} and, while it is {@code created}, the exec FIFO its init blocks on. The status is derived
 * from the kernel every time (see {@link ContainerStatus}), so several processes (the agent, the command line)
 * can share a root.
 *
 * <p>All methods are thread-safe. Operations on one container are serialised within this instance;
 * operations on different containers run in parallel. Every failure is a {@link ContainerRuntimeException}
 * (or a subclass: {@link ContainerNotFoundException}, {@link ContainerExistsException},
 * {@link ContainerStateException}) with a one-line message naming what failed and where, except invalid
 * config.json, which is an {@link InvalidSpecException} naming the JSON path. An operation that fails leaves
 * the container as it was, and a failed {@code create} leaves nothing behind. No argument may be null unless
 * stated.
 *
 * <p><b>How a container is made</b> (DESIGN.md, Runtime): Java validates config.json and creates the cgroup;
 * a fresh single-use thread unshares the mount, uts, ipc, network, pid (and time) namespaces, joins a pid
 * namespace given by path, and {@code posix_spawn}s the C init from a sealed memfd, on cgroup v1 from inside the
 * container's cgroup (the thread moves itself in for the spawn and out again), so the init is born there. Java
 * then sends the init its plan ({@code Plans}), on v2 puts it in the cgroup while it mounts, runs prestart and
 * createRuntime hooks here, and lets it go on: namespaces given by path (setns, mount last), the cgroup namespace, rootfs and
 * mounts resolved inside the rootfs, devices, createContainer hooks (in the container's namespaces, before
 * pivot_root), pivot_root, read-only root, hostname, sysctl, readonly and masked paths, rlimits, terminal,
 * cwd (checked), capabilities, user, no_new_privs, seccomp; it reports "created" and blocks on the exec FIFO.
 * {@code start} opens the FIFO; the init runs the startContainer hooks and execs; poststart runs here.
 * A mount namespace given by path is joined by the init itself (the rootfs and mount sources are then
 * resolved in it, as runc does); without any mount namespace the container stays in the host's, its rootfs
 * bound privately on a directory of its state (unmounted by delete) and entered with chroot, not pivot_root.
 *
 * <p><b>Reaper mode</b> ({@link #REAPER_ANNOTATION}, opt-in; the agent uses it): a container's process
 * normally is its pid 1 and a child of the process that created it, so how it ended is known only to that
 * process, and a FIFO it writes to loses its reader with it. In reaper mode the init instead forks the process
 * and stays as a tiny pid 1 (as tini does): it forwards every signal it can catch to the process, reaps
 * orphans, and when the process ends writes its exit code and signal to {@code <state>/<id>/exit} (a file the
 * runtime opened for it), then exits. It also holds a read end of each FIFO among stdout and stderr (capacity
 * raised to 1 MiB), so while nobody reads the process's writes block instead of failing with EPIPE. Another
 * runtime process, e.g. a restarted agent, re-attaches through {@link #exitFuture}, which watches the init
 * through a pidfd (checked against its start time) and then reads the exit file; {@code kill}, {@code stats}
 * and {@code delete} work from the state directory anyway. {@code kill} with {@code all} spares the init,
 * which follows the process on its own; the OOM verdict comes from the cgroup, which lives until delete.
 *
 * <p><b>Not supported</b>: user namespaces (refused with a clear error), time namespace offsets, AppArmor

 * and SELinux labels (ignored), the systemd cgroup driver. Hooks named createContainer and startContainer
 * run from the init, the others from this process.
 */
public final class ContainerRuntime implements AutoCloseable {

    /** The default state root, as runc's {@code /run/runc}. */
    public static final Path DEFAULT_STATE_ROOT = Path.of("/run/berth-runtime");

    /**
     * The config.json annotation that puts a container in reaper mode (see the class comment) when its value
     * is {@code "true"}; without it the process is the container's pid 1, as the OCI runtimes make it.
     */
    public static final String REAPER_ANNOTATION = "io.berth.runtime.reaper";

    /** What reaper mode raises a FIFO's capacity to: the default pipe-max-size, allowed without privileges. */
    private static final int FIFO_CAPACITY = 1 << 20;
    private static final long SELF = ProcessHandle.current().pid();


    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_+.-]{1,1024}");
    private static final String STATE = "state.json";
    private static final String CONFIG = "config.json";  // in the bundle
    private static final String FIFO = "exec.fifo";
    private static final String ROOT_MOUNT = "rootfs";
    /** A pipe's capacity unless raised (16 pages): what can be written before anybody reads. */
    private static final int PIPE_BUFFER = 65536;  // the rootfs bind of a container without a mount namespace

    private final Path root;
    private final Linux linux;
    private final Cgroups cgroups;
    private final Reaper reaper;
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private final Map<String, Known> known = new ConcurrentHashMap<>();
    /** Drops the mount namespaces {@link #holdMountNamespace} kept, one at a time. */
    private static final Executor NAMESPACE_RELEASER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(() -> {
            Linux.get().backgroundPriority();  // unmounting a dead container's tree can wait for the live ones
            r.run();
        }, "berth-mntns-release");
        t.setDaemon(true);
        return t;
    });
    /** Exit futures of the containers this instance created, until they are deleted. */
    private final Map<String, CompletableFuture<ExitStatus>> exits = new ConcurrentHashMap<>();
    /** The cgroups of the containers this instance created, until they are deleted (open would look them up). */
    private final Map<String, ContainerCgroup> cgroupsMade = new ConcurrentHashMap<>();

    private ContainerRuntime(Path root) {
        this.root = root;
        this.linux = Linux.get();
        this.cgroups = Cgroups.detect();
        this.reaper = new Reaper();
    }

    /**
     * Opens (creating if needed, mode 0700) the state root and loads the libc binding; the sealed copy of the init
     * is made by the first create or exec of the process. Cheap after the first call in a process.
     *
     * @throws ContainerRuntimeException when the state root cannot be created
     */
    public static ContainerRuntime open(Path stateRoot) {
        Path root = stateRoot.toAbsolutePath().normalize();
        try {
            Files.createDirectories(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new ContainerRuntimeException("cannot create the state root " + root + ": " + e.getMessage(), e);
        }
        return new ContainerRuntime(root);
    }

    /** The state root this instance manages. */
    public Path stateRoot() {
        return root;
    }

    private Object lock(String id) {
        return locks.computeIfAbsent(id, k -> new Object());
    }

    private Path dir(String id) {
        if (!ID.matcher(id).matches() || id.equals(".") || id.equals("..")) {
            throw new ContainerRuntimeException("invalid container id '" + id + "': use 1 to 1024 characters of "
                    + "letters, digits, '_', '+', '-' and '.'");
        }
        return root.resolve(id);
    }

    /**
     * Creates a container from {@code options.bundle()}/config.json: validates the config, creates the
     * cgroup, namespaces and init, runs the prestart and createRuntime hooks (here) and the createContainer
     * hooks (in the container), and returns once the init waits for {@link #start}. Returns the state
     * ({@code created}).
     *
     * @throws InvalidSpecException when config.json is malformed or invalid
     * @throws ContainerExistsException when the id is taken
     * @throws ContainerRuntimeException for anything else (the message names the step, path and errno)
     */
    public ContainerState create(CreateOptions options) {
        String id = options.id();
        Path dir = dir(id);
        Path bundle = options.bundle().toAbsolutePath().normalize();
        byte[] configBytes;
        try {
            configBytes = Files.readAllBytes(bundle.resolve(CONFIG));
        } catch (NoSuchFileException e) {
            throw new ContainerRuntimeException("bundle " + bundle + " has no config.json");
        } catch (IOException e) {
            throw new ContainerRuntimeException("cannot read " + bundle.resolve(CONFIG) + ": " + e.getMessage(), e);
        }
        RuntimeSpec spec = RuntimeSpecs.parse(bundle.resolve(CONFIG).toString(), configBytes);
        Plans.checkSupported(spec);
        Path rootfs = bundle.resolve(spec.root().path()).normalize();
        if (!Files.isDirectory(rootfs)) {
            throw new ContainerRuntimeException("config.json: $.root.path: rootfs " + rootfs + " is not a directory");
        }
        boolean terminal = spec.process().terminal() != null && spec.process().terminal();
        if (terminal && options.consoleSocket() == null) {
            throw new ContainerRuntimeException("config.json: $.process.terminal is true but no console socket was "
                    + "given (--console-socket)");
        }
        synchronized (lock(id)) {
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
            } catch (FileAlreadyExistsException e) {
                throw new ContainerExistsException(id, root);
            } catch (IOException e) {
                throw new ContainerRuntimeException("cannot create " + dir + ": " + e.getMessage(), e);
            }
            StoredState stored = new StoredState(spec.ociVersion(), id, 0, 0, bundle.toString(), rootfs.toString(),
                    Instant.now().toString(), spec.linux() == null ? null : spec.linux().cgroupsPath(),
                    spec.annotations(), spec);
            Creation c = new Creation(id, dir, spec, stored, options, bundle, rootfs, terminal);
            try {
                return c.run();
            } catch (RuntimeException | Error e) {
                c.abort();
                throw e;
            }
        }
    }

    /** One create: holds what must be undone when it fails. */
    private final class Creation {
        final String id;
        final Path dir;
        final RuntimeSpec spec;
        StoredState stored;
        final CreateOptions options;
        final Path bundle;
        final Path rootfs;
        final boolean terminal;
        ContainerCgroup cgroup;
        int pid;
        CompletableFuture<ExitStatus> exit;
        final List<Integer> fds = new ArrayList<>();

        Creation(String id, Path dir, RuntimeSpec spec, StoredState stored, CreateOptions options, Path bundle,
                Path rootfs, boolean terminal) {
            this.id = id;
            this.dir = dir;
            this.spec = spec;
            this.stored = stored;
            this.options = options;
            this.bundle = bundle;
            this.rootfs = rootfs;
            this.terminal = terminal;
        }

        int track(int fd) {
            fds.add(fd);
            return fd;
        }

        ContainerState run() {
            Path fifo = dir.resolve(FIFO);
            linux.mkfifo(fifo, 0622);
            setMode(fifo, "rw--w--w-");  // mkfifo applied our umask; a non-root container user must open it

            int preserve = options.preserveFds();
            // before the stdio, whose write-only open of a FIFO would wait for a reader
            List<Integer> reaperFds = reaperMode(spec.annotations()) ? reaperFds(dir, options.stdio(), this::track)
                    : List.of();
            int[] stdio = stdioFds(options.stdio(), this::track);

            int[] plan = linux.pipe();
            track(plan[0]);
            track(plan[1]);
            int[] sync = linux.pipe();
            track(sync[0]);
            track(sync[1]);
            int fifoFd = track(linux.open(fifo.toString(), Linux.O_PATH, 0));
            int consoleFd = terminal ? track(linux.connectUnix(options.consoleSocket())) : -1;

            int first = 3 + preserve;
            int own = first + (terminal ? 4 : 3);  // the init's number for the reaper's first fd (the exit file)
            int[] map = new int[own + reaperFds.size()];

            System.arraycopy(stdio, 0, map, 0, 3);
            for (int i = 3; i < first; i++) {
                map[i] = i;
            }
            map[first] = plan[0];
            map[first + 1] = sync[1];
            map[first + 2] = fifoFd;
            if (terminal) {
                map[first + 3] = consoleFd;
            }
            for (int i = 0; i < reaperFds.size(); i++) {
                map[own + i] = reaperFds.get(i);
            }

            int last = map.length - 1;
            Path rootMount = rootMount(dir, spec, rootfs);
            // The spawn thread makes the namespaces while this thread creates the cgroup. On v1 the init is born in
            // its cgroup (the spawn thread waits for it, then moves itself in and out, which costs no RCU grace
            // period); on v2 it joins right after, while it mounts.
            boolean bornInCgroup = cgroups.version() == CgroupVersion.V1;
            CompletableFuture<ContainerCgroup> made = new CompletableFuture<>();
            CompletableFuture<Integer> spawned = InitSpawner.get().spawnAsync(Plans.threadUnshareFlags(spec),
                    Plans.pidNamespacePath(spec), bornInCgroup ? () -> made.join().enterThread() : null, map,
                    List.of(Integer.toString(first), Integer.toString(first + 1), Integer.toString(first),
                            Integer.toString(last)));
            byte[] early;
            try {
                RuntimeSpec.Linux l = spec.linux();
                cgroup = cgroups.create(l == null ? null : l.cgroupsPath(), id, Plans.resources(spec));
                made.complete(cgroup);
                // The init reads its plan first thing, so the plan goes into the pipe while it is being spawned,
                // unless a hook the init runs needs the state document (it holds the pid) or the plan would not fit
                // the pipe's buffer.
                early = Plans.initRunsHooks(spec) ? null : initPlan(rootMount, first, own, reaperFds, null);
                if (early != null && early.length <= PIPE_BUFFER) {
                    linux.writeAll(plan[1], early);
                } else {
                    early = null;
                }
            } catch (RuntimeException | Error e) {
                made.completeExceptionally(e);
                try {  // the fds stay open until the spawn thread is done with them; an init it made is killed
                    pid = InitSpawner.join(spawned);
                    exit = reaper.watch(pid, linux.pidfdOpen(pid), null, () -> false);
                } catch (RuntimeException | Error spawnFailure) {
                    // it failed because the cgroup did, or on its own: the first failure is the one to report
                }
                throw e;
            }
            pid = InitSpawner.join(spawned);
            ContainerCgroup cg = cgroup;
            int pidfd = linux.pidfdOpen(pid);
            exit = reaper.watch(pid, pidfd, reaperFds.isEmpty() ? null : dir.resolve(ExitFile.NAME),
                    () -> cg.oomKillCount() > 0);

            // The parent's copies of the child's ends must go, or EOF on the sync pipe would never come.
            for (int fd : new int[] {plan[0], sync[1], fifoFd, consoleFd}) {
                linux.closeQuietly(fd);
                fds.remove((Integer) fd);
            }
            String earlyReply = null;
            try {
                // The init does its mounts while the cgroup join (v2: an RCU grace period) and hooks run.
                stored = stored.withPid(pid, Procs.startTime(pid));
                if (early == null) {
                    linux.writeAll(plan[1], initPlan(rootMount, first, own, reaperFds,
                            JavaHooks.stateJson(toState(stored, ContainerStatus.CREATED))));
                }
                if (!bornInCgroup) {
                    cgroup.addProcess(pid);
                }
                Integer oomScoreAdj = spec.process().oomScoreAdj();
                if (oomScoreAdj != null) {
                    writeFile(Path.of("/proc/" + pid + "/oom_score_adj"), oomScoreAdj.toString().getBytes(StandardCharsets.US_ASCII));
                }
                writeState(dir, stored);
                // Every create-time hook sees "created", as crun passes it and the runtime-tools suite expects:
                // the environment exists and only the user's process is missing (runc passes "creating").
                ContainerState created = toState(stored, ContainerStatus.CREATED);
                if (spec.hooks() != null) {
                    JavaHooks.run("prestart", spec.hooks().prestart(), created);
                    JavaHooks.run("createRuntime", spec.hooks().createRuntime(), created);
                }
                goAhead(plan[1]);
                if (Plans.newUserNamespace(spec)) {  // the plan pipe stays open for the init's second wait
                    String reply = readReply(sync[0], true);
                    if (reply.equals("USERNS")) {  // it has unshared its user namespace, before its credentials
                        writeIdMaps(pid, spec.linux());
                        goAhead(plan[1]);
                    } else {
                        earlyReply = reply;  // it failed before
                    }
                }
                linux.closeQuietly(plan[1]);
                fds.remove((Integer) plan[1]);
            } catch (RuntimeException e) {
                // The init may have failed first (and caused this): its report is the better message.
                linux.kill(pid, 9);
                String reply = readReply(sync[0], true);
                if (reply.startsWith("ERR")) {
                    ContainerRuntimeException failure = initFailure("create container '" + id + "'", reply);
                    failure.addSuppressed(e);
                    throw failure;
                }
                throw e;
            }
            String reply = earlyReply != null ? earlyReply : readReply(sync[0], true);
            linux.closeQuietly(sync[0]);
            fds.remove((Integer) sync[0]);
            if (!reply.startsWith("OK")) {
                throw initFailure("create container '" + id + "'", reply);
            }
            closeAll();
            exits.put(id, exit);
            cgroupsMade.put(id, cgroup);
            if ((Plans.threadUnshareFlags(spec) & Linux.CLONE_NEWNS) != 0) {
                holdMountNamespace(pid, exit);
            }
            if (options.pidFile() != null) {
                writePidFile(options.pidFile(), pid);
            }
            return toState(stored, ContainerStatus.CREATED);
        }

        private byte[] initPlan(Path rootMount, int first, int own, List<Integer> reaperFds, String createdState) {
            return Plans.create(spec, bundle, rootfs, rootMount, options, cgroup.mountSources(),
                    terminal ? first + 3 : -1, first + 2, reaperFds.isEmpty() ? -1 : own, createdState).encode();
        }

        /**
         * The new user namespace's maps, written from the host's user namespace by root: any host ids may be
         * mapped and setgroups stays allowed inside (the kernel lets a writer with CAP_SETGID in the parent
         * namespace map gids without "deny" in /proc/[pid]/setgroups), so process.user.additionalGids work.
         */
        private void writeIdMaps(int pid, RuntimeSpec.Linux l) {
            writeFile(Path.of("/proc/" + pid + "/uid_map"), idMap(l.uidMappings()));
            writeFile(Path.of("/proc/" + pid + "/gid_map"), idMap(l.gidMappings()));
        }

        private static byte[] idMap(List<RuntimeSpec.IdMapping> mappings) {
            StringBuilder sb = new StringBuilder();  // one write(2): the kernel takes a map only once, whole
            for (RuntimeSpec.IdMapping m : mappings) {
                sb.append(m.containerID()).append(' ').append(m.hostID()).append(' ').append(m.size()).append('\n');
            }
            return sb.toString().getBytes(StandardCharsets.US_ASCII);
        }

        /** The one byte the init waits for on the plan pipe (after the cgroup join, after the id maps). */
        private void goAhead(int planFd) {
            try {
                linux.writeAll(planFd, new byte[] {1});
            } catch (io.berth.runtime.linux.SyscallException e) {
                // EPIPE: the init failed during its mounts; its report says why
            }
        }

        void closeAll() {
            fds.forEach(linux::closeQuietly);
            fds.clear();
        }

        /** Undoes everything: kill and reap the init, remove cgroup and state directory. */
        void abort() {
            closeAll();
            if (pid > 0) {
                linux.kill(pid, 9);
                try {
                    exit.get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // keep cleaning: the cgroup destroy below kills whatever is left
                }
            }
            if (cgroup != null) {
                try {
                    cgroup.destroy();
                } catch (RuntimeException e) {
                    // the original failure matters more; destroy's message would only hide it
                }
            }
            unmountRoot(dir);
            deleteDir(dir);
            known.remove(id);
        }
    }

    /**
     * Keeps a new mount namespace referenced until the container's init has exited, then lets it go on another
     * thread: dropping the last reference unmounts everything in it and waits for an RCU grace period, which would
     * otherwise happen in the exiting init, before the kernel reports its exit.
     */
    private void holdMountNamespace(int pid, CompletableFuture<ExitStatus> exit) {
        int fd;
        try {
            fd = linux.open("/proc/" + pid + "/ns/mnt", Linux.O_RDONLY, 0);
        } catch (io.berth.runtime.linux.SyscallException e) {
            return;  // the init is gone already, and its namespace with it
        }
        exit.whenCompleteAsync((status, failure) -> linux.closeQuietly(fd), NAMESPACE_RELEASER);
    }

    /** The child's fds 0-2 for the given stdio; opened files are handed to track so they get closed. */
    private int[] stdioFds(Stdio stdio, java.util.function.IntUnaryOperator track) {
        if (stdio instanceof Stdio.Inherit) {
            return new int[] {0, 1, 2};
        }
        Stdio.Files f = (Stdio.Files) stdio;
        return new int[] {
            track.applyAsInt(f.in() == null ? linux.open("/dev/null", Linux.O_RDONLY, 0)
                    : linux.open(f.in().toString(), Linux.O_RDONLY, 0)),
            track.applyAsInt(openOut(f.out())),
            track.applyAsInt(openOut(f.err())),
        };
    }

    private int openOut(Path p) {
        return p == null ? linux.open("/dev/null", Linux.O_WRONLY, 0)
                : linux.open(p.toString(), Linux.O_WRONLY | Linux.O_APPEND | Linux.O_CREAT, 0644);
    }

    private static boolean reaperMode(Map<String, String> annotations) {
        return annotations != null && "true".equals(annotations.get(REAPER_ANNOTATION));
    }

    /**
     * The fds a reaper-mode init keeps: the exit file (created empty), then a read end of each FIFO among
     * stdout and stderr, its capacity raised. Opened fds are handed to track so they get closed here.
     */
    private List<Integer> reaperFds(Path dir, Stdio stdio, java.util.function.IntUnaryOperator track) {
        List<Integer> fds = new ArrayList<>();
        fds.add(track.applyAsInt(linux.open(dir.resolve(ExitFile.NAME).toString(),
                Linux.O_WRONLY | Linux.O_CREAT | Linux.O_TRUNC, 0600)));
        if (stdio instanceof Stdio.Files f) {
            for (Path p : new Path[] {f.out(), f.err()}) {
                if (p != null && isFifo(p)) {
                    int fd = track.applyAsInt(linux.open(p.toString(), Linux.O_RDONLY | Linux.O_NONBLOCK, 0));
                    try {
                        linux.setPipeSize(fd, FIFO_CAPACITY);
                    } catch (io.berth.runtime.linux.SyscallException e) {
                        // a host with a lower pipe-max-size: the default capacity only makes writers block sooner
                    }
                    fds.add(fd);
                }
            }
        }
        return fds;
    }

    private static boolean isFifo(Path p) {
        try {
            return ((Integer) Files.getAttribute(p, "unix:mode") & 0170000) == 0010000;
        } catch (NoSuchFileException e) {
            return false;  // a file that openOut creates
        } catch (IOException e) {
            throw new ContainerRuntimeException("cannot stat " + p + ": " + e.getMessage(), e);
        }
    }


    /** Reads the init's reply: up to the first newline when wantLine, else to EOF. */
    private String readReply(int fd, boolean wantLine) {
        StringBuilder sb = new StringBuilder();
        while (true) {
            byte[] b = linux.read(fd, 4096);
            if (b.length == 0) {
                break;
            }
            sb.append(new String(b, StandardCharsets.UTF_8));
            if (wantLine && sb.indexOf("\n") >= 0) {
                break;
            }
        }
        return sb.toString().trim();
    }

    private static ContainerRuntimeException initFailure(String what, String reply) {
        if (reply.isEmpty()) {
            return new ContainerRuntimeException(what + ": the container init exited without a report");
        }
        String[] parts = reply.split("\t", 3);
        return new ContainerRuntimeException(what + ": " + (parts.length == 3 ? parts[2] : reply));
    }

    /**
     * Starts a {@code created} container: releases its init to exec the user process, then runs the
     * poststart hooks (a failing one is logged, as the spec says).
     *
     * @throws ContainerStateException when it is not {@code created}
     */
    public void start(String id) {
        synchronized (lock(id)) {
            Path dir = dir(id);
            StoredState s = readState(id);
            ContainerStatus status = status(dir, s);
            if (status != ContainerStatus.CREATED) {
                throw new ContainerStateException(id, "start", status, "only a created container can be started");
            }
            Path fifo = dir.resolve(FIFO);
            RuntimeSpec spec = s.config();
            List<RuntimeSpec.Hook> poststart = spec.hooks() == null ? null : spec.hooks().poststart();
            int fd = linux.open(fifo.toString(), Linux.O_RDONLY | Linux.O_NONBLOCK, 0);
            try {
                // Our open releases the init blocked opening the FIFO for writing. It runs the startContainer
                // hooks, writes one byte and execs, which closes its end: EOF means the process runs. Only
                // poststart hooks need to wait for that; otherwise the byte is enough.
                boolean sawByte = false;
                boolean waitForExec = poststart != null && !poststart.isEmpty();
                while (!sawByte || waitForExec) {
                    if (linux.pollIn(new int[] {fd}, 100)[0]) {
                        byte[] b = linux.readNonBlocking(fd, 16);
                        if (b == null) {
                            continue;
                        }
                        if (b.length == 0 && (sawByte || !Procs.alive(s.pid(), s.pidStartTime()))) {
                            break;
                        }
                        sawByte |= b.length > 0;
                    } else if (!Procs.alive(s.pid(), s.pidStartTime())) {
                        // After poll gave up, the init may have written its byte, exec'd and exited (a fast
                        // process) before the check above: the byte is still in the FIFO.
                        byte[] b = linux.readNonBlocking(fd, 16);
                        sawByte |= b != null && b.length > 0;
                        break;
                    }
                }
                if (!sawByte) {
                    throw new ContainerRuntimeException("cannot start container '" + id + "': its init exited "
                            + "before running the process (a startContainer hook failed?)");
                }
            } finally {
                linux.closeQuietly(fd);
            }
            int unlinked = linux.unlink(fifo);
            if (unlinked != 0 && unlinked != Linux.ENOENT) {
                throw new ContainerRuntimeException("cannot remove " + fifo + ": " + linux.strerror(unlinked));
            }
            JavaHooks.runWarning("poststart", poststart, toState(s, ContainerStatus.RUNNING));
        }
    }

    /** The OCI state document of a container; {@code pid} is absent once it has stopped. */
    public ContainerState state(String id) {
        StoredState s = readState(id);
        return toState(s, status(dir(id), s));
    }

    /** The container's status alone. */
    public ContainerStatus status(String id) {
        return status(dir(id), readState(id));
    }

    private ContainerStatus status(Path dir, StoredState s) {
        if (s.pid() == 0) {
            return ContainerStatus.CREATING;
        }
        if (!Procs.alive(s.pid(), s.pidStartTime())) {
            return ContainerStatus.STOPPED;
        }
        return Files.exists(dir.resolve(FIFO)) ? ContainerStatus.CREATED : ContainerStatus.RUNNING;
    }

    private static ContainerState toState(StoredState s, ContainerStatus status) {
        boolean hasPid = status != ContainerStatus.STOPPED && s.pid() > 0;
        return new ContainerState(s.ociVersion(), s.id(), status.specName(), hasPid ? s.pid() : null, s.bundle(),
                s.annotations() == null ? Map.of() : s.annotations());
    }

    /**
     * Sends {@code signal} to the container's init, or with {@code all} to every process of its cgroup.
     *
     * @throws ContainerStateException when it is neither {@code created} nor {@code running}
     */
    public void kill(String id, int signal, boolean all) {
        if (signal < 0 || signal > 64) {
            throw new ContainerRuntimeException("invalid signal " + signal + ": use 1 to 64");
        }
        synchronized (lock(id)) {
            StoredState s = readState(id);
            ContainerStatus status = status(dir(id), s);
            if (status != ContainerStatus.CREATED && status != ContainerStatus.RUNNING) {
                throw new ContainerStateException(id, "kill", status, "only a created or running container can be signalled");
            }
            if (all && reaperMode(s.annotations()) && status == ContainerStatus.RUNNING) {
                // The reaper records how the process ended and then exits, which ends the rest: it is spared (before
                // start it is all there is and goes like any init), and so is this process, listed while one of its
                // threads spawns an exec'd process into the cgroup.
                for (int pid : cgroups.open(s.cgroupsPath(), id).pids()) {
                    if (pid != s.pid() && pid != SELF) {
                        linux.kill(pid, signal);
                    }
                }
                return;
            }
            if (all) {
                cgroups.open(s.cgroupsPath(), id).killAll(signal);
                return;
            }

            signalInit(s, signal);
        }
    }

    /** Signals the init through a pidfd checked against the start time, so a reused pid is never hit. */
    private void signalInit(StoredState s, int signal) {
        int pidfd = linux.pidfdOpen(s.pid());
        if (pidfd < 0) {
            return;
        }
        try {
            if (Procs.alive(s.pid(), s.pidStartTime())) {
                linux.pidfdSignal(pidfd, signal);
            }
        } finally {
            linux.closeQuietly(pidfd);
        }
    }

    /**
     * Deletes a stopped (or, with {@code force}, any) container: kills what is left when forced, runs the
     * poststop hooks (a failing one is logged), removes the cgroup and the state directory.
     *
     * @throws ContainerStateException when it is not stopped and {@code force} is false
     */
    public void delete(String id, boolean force) {
        synchronized (lock(id)) {
            Path dir = dir(id);
            StoredState s = readState(id);
            ContainerStatus status = status(dir, s);
            if (status != ContainerStatus.STOPPED && !force) {
                throw new ContainerStateException(id, "delete", status, "stop it first or delete with force");
            }
            ContainerCgroup made = cgroupsMade.get(id);
            ContainerCgroup cgroup = made != null ? made : cgroups.open(s.cgroupsPath(), id);
            if (status != ContainerStatus.STOPPED && s.pid() > 0) {
                signalInit(s, 9);
                cgroup.killAll(9);
                awaitGone(s);
            }
            RuntimeSpec spec = s.config();
            if (spec != null && spec.hooks() != null && s.pid() > 0) {
                JavaHooks.runWarning("poststop", spec.hooks().poststop(), toState(s, ContainerStatus.STOPPED));
            }
            cgroup.destroy();
            if (spec == null || Plans.hostMountNamespace(spec)) {
                unmountRoot(dir);
            }
            deleteDir(dir);
            exits.remove(id);
            cgroupsMade.remove(id);
            known.remove(id);
            locks.remove(id);
        }
    }

    private void awaitGone(StoredState s) {
        CompletableFuture<ExitStatus> f = exits.get(s.id());
        if (f != null) {
            try {
                f.get(10, TimeUnit.SECONDS);
                return;
            } catch (TimeoutException e) {
                throw new ContainerRuntimeException("container '" + s.id() + "': init " + s.pid()
                        + " survived SIGKILL for 10 s");
            } catch (Exception e) {
                Thread.currentThread().interrupt();
                throw new ContainerRuntimeException("interrupted waiting for container '" + s.id() + "' to die", e);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Procs.alive(s.pid(), s.pidStartTime())) {
            if (System.nanoTime() > deadline) {
                throw new ContainerRuntimeException("container '" + s.id() + "': init " + s.pid()
                        + " survived SIGKILL for 10 s");
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ContainerRuntimeException("interrupted waiting for container '" + s.id() + "' to die", e);
            }
        }
    }

    /** The state of every container under the state root, sorted by id. */
    public List<ContainerState> list() {
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                if (Files.isDirectory(p)) {
                    ids.add(p.getFileName().toString());
                }
            }
        } catch (IOException e) {
            throw new ContainerRuntimeException("cannot list " + root + ": " + e.getMessage(), e);
        }
        List<ContainerState> out = new ArrayList<>();
        for (String id : ids.stream().sorted().collect(Collectors.toList())) {
            try {
                out.add(state(id));
            } catch (ContainerNotFoundException e) {
                // deleted while we listed
            }
        }
        return out;
    }

    /**
     * Completes when the container's init exits, with the exit code, the killing signal and whether the OOM
     * killer struck. This is also how another runtime process (a restarted agent) re-attaches to a container
     * it did not create: the init is watched through a pidfd checked against its start time, so a reused pid
     * is never mistaken for it. In reaper mode the status comes from the exit file, even when the container
     * ended while no runtime process was watching; otherwise only the init's parent can learn it, and for a
     * container created by another process the code is -1 (unknown), as it is when the reaper itself was
     * killed before it could write (SIGKILL to it, or an OOM kill of the whole cgroup).
     */
    public CompletableFuture<ExitStatus> exitFuture(String id) {
        StoredState s = readState(id);
        synchronized (lock(id)) {
            CompletableFuture<ExitStatus> f = exits.get(id);
            if (f != null) {
                return f;
            }
            Path exitFile = reaperMode(s.annotations()) ? dir(id).resolve(ExitFile.NAME) : null;
            java.util.function.BooleanSupplier oom = () -> s.pid() > 0
                    && cgroups.open(s.cgroupsPath(), id).oomKillCount() > 0;

            int pidfd = s.pid() > 0 ? linux.pidfdOpen(s.pid()) : -1;
            if (pidfd < 0 || !Procs.alive(s.pid(), s.pidStartTime())) {
                linux.closeQuietly(pidfd);
                int[] recorded = exitFile == null ? null : ExitFile.read(exitFile);
                boolean oomKilled = oom.getAsBoolean();
                return CompletableFuture.completedFuture(recorded == null ? new ExitStatus(-1, 0, oomKilled)
                        : new ExitStatus(recorded[0], recorded[1], oomKilled));

            }
            return reaper.watch(s.pid(), pidfd, exitFile, oom);
        }
    }


    /**
     * Starts another process in a {@code created} or {@code running} container: joins its namespaces and
     * cgroup, applies the given process spec (user, capabilities, no_new_privs, rlimits, terminal, env, cwd,
     * the container's seccomp profile) and execs it. Returns once it has exec'd; failures before that (binary
     * not found, bad cwd) throw.
     *
     * @throws InvalidSpecException when the process spec is invalid (paths start at {@code process})
     */
    public ExecProcess exec(String id, RuntimeSpec.Process process, ExecOptions options) {
        List<String> errors = RuntimeSpecs.validateProcess(process, "process");
        if (!errors.isEmpty()) {
            throw new InvalidSpecException("process", errors);
        }
        boolean terminal = process.terminal() != null && process.terminal();
        if (terminal && options.consoleSocket() == null) {
            throw new ContainerRuntimeException("process.terminal is true but no console socket was given");
        }
        StoredState s;
        RuntimeSpec spec;
        synchronized (lock(id)) {
            s = readState(id);
            ContainerStatus status = status(dir(id), s);
            if (status != ContainerStatus.CREATED && status != ContainerStatus.RUNNING) {
                throw new ContainerStateException(id, "exec in", status, "only a created or running container can exec");
            }
            spec = s.config();
        }
        List<Integer> fds = new ArrayList<>();
        int pid = 0;
        CompletableFuture<ExitStatus> exit = null;
        try {
            int[] stdio = stdioFds(options.stdio(), fd -> {
                fds.add(fd);
                return fd;
            });
            int[] plan = linux.pipe();
            fds.add(plan[0]);
            fds.add(plan[1]);
            int[] sync = linux.pipe();
            fds.add(sync[0]);
            fds.add(sync[1]);
            int consoleFd = -1;
            if (terminal) {
                consoleFd = linux.connectUnix(options.consoleSocket());
                fds.add(consoleFd);
            }
            int first = 3 + options.preserveFds();
            int[] map = new int[first + (terminal ? 3 : 2)];
            System.arraycopy(stdio, 0, map, 0, 3);
            for (int i = 3; i < first; i++) {
                map[i] = i;
            }
            map[first] = plan[0];
            map[first + 1] = sync[1];
            if (terminal) {
                map[first + 2] = consoleFd;
            }
            boolean pidNs = Plans.namespaces(spec).stream().anyMatch(n -> n.type().equals("pid"));
            ContainerCgroup cgroup = cgroups.open(s.cgroupsPath(), id);
            boolean bornInCgroup = cgroup.version() == CgroupVersion.V1;  // as in create
            pid = InitSpawner.get().spawn(0, pidNs ? "/proc/" + s.pid() + "/ns/pid" : null,
                    bornInCgroup ? cgroup::enterThread : null, map,
                    List.of(Integer.toString(first), Integer.toString(first + 1), Integer.toString(first),
                            Integer.toString(map.length - 1)));
            exit = reaper.watch(pid, linux.pidfdOpen(pid), null, () -> cgroup.oomKillCount() > 0);

            linux.closeQuietly(plan[0]);
            linux.closeQuietly(sync[1]);
            linux.closeQuietly(consoleFd);
            fds.removeAll(List.of(plan[0], sync[1], consoleFd));
            linux.writeAll(plan[1], Plans.exec(spec, s.pid(), process, terminal ? first + 2 : -1).encode());
            try {
                if (!bornInCgroup) {
                    cgroup.addProcess(pid);
                }
                if (process.oomScoreAdj() != null) {
                    writeFile(Path.of("/proc/" + pid + "/oom_score_adj"),
                            process.oomScoreAdj().toString().getBytes(StandardCharsets.US_ASCII));
                }
                linux.writeAll(plan[1], new byte[] {1});
            } catch (RuntimeException e) {
                linux.kill(pid, 9);  // the init may have failed first: prefer its report
                String reply = readReply(sync[0], false);
                if (reply.startsWith("ERR")) {
                    ContainerRuntimeException failure = initFailure("exec in container '" + id + "'", reply);
                    failure.addSuppressed(e);
                    throw failure;
                }
                throw e;
            }
            linux.closeQuietly(plan[1]);
            fds.remove((Integer) plan[1]);
            String reply = readReply(sync[0], false);
            if (!reply.isEmpty()) {
                throw initFailure("exec in container '" + id + "'", reply);
            }
            if (options.pidFile() != null) {
                writePidFile(options.pidFile(), pid);
            }
            return new ExecProcess(pid, exit);
        } catch (RuntimeException e) {
            if (pid > 0) {
                linux.kill(pid, 9);
                try {
                    exit.get(10, TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    // reaped or not, the original failure is what the caller needs
                }
            }
            throw e;
        } finally {
            fds.forEach(linux::closeQuietly);
        }
    }

    /** The host pids of every process in the container's cgroup, sorted. */
    public List<Integer> processes(String id) {
        StoredState s = readState(id);
        return cgroups.open(s.cgroupsPath(), id).pids().stream().sorted().collect(Collectors.toList());
    }

    /** The container's cgroup counters (CPU, memory, pids). */
    public CgroupStats stats(String id) {
        StoredState s = readState(id);
        return cgroups.open(s.cgroupsPath(), id).stats();
    }

    /** The container's config.json as it was when created (a copy kept in its state directory). */
    public RuntimeSpec spec(String id) {
        return readSpec(id);
    }

    /** Stops the reaper thread; containers keep running, exit futures not yet complete stay so. */
    @Override
    public void close() {
        reaper.close();
    }

    // ---- state directory ----

    /**
     * The stored state; a directory without state.json is a container being created. Parsed only when the file
     * is not the one last read or written here (another file, or rewritten): start, exitFuture and delete each
     * read it, and the config inside makes it the largest document of a container's life.
     */
    private StoredState readState(String id) {
        Path dir = dir(id);
        Path file = dir.resolve(STATE);
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            Known k = known.get(id);
            if (k != null && k.matches(attributes)) {
                return k.state();
            }
            StoredState s = RuntimeSpecs.JSON.readValue(Files.readAllBytes(file), StoredState.class);
            known.put(id, new Known(s, attributes.fileKey(), attributes.lastModifiedTime()));
            return s;
        } catch (NoSuchFileException e) {
            known.remove(id);
            if (Files.isDirectory(dir)) {
                return StoredState.creating(id);
            }
            throw new ContainerNotFoundException(id, root);
        } catch (IOException e) {
            throw new ContainerRuntimeException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private RuntimeSpec readSpec(String id) {
        RuntimeSpec spec = readState(id).config();
        if (spec == null) {
            throw new ContainerStateException(id, "read the config of", ContainerStatus.CREATING,
                    "its state is not written yet");
        }
        return spec;
    }

    private void writeState(Path dir, StoredState s) {
        Path file = dir.resolve(STATE);
        writeFile(file, RuntimeSpecs.toJson(s));
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            known.put(s.id(), new Known(s, attributes.fileKey(), attributes.lastModifiedTime()));
        } catch (IOException e) {
            known.remove(s.id());  // read (and parsed) again next time
        }
    }

    /** state.json as this instance last saw it, and which file that was (inode) and when it was written. */
    private record Known(StoredState state, Object fileKey, FileTime modified) {
        boolean matches(BasicFileAttributes a) {
            return fileKey != null && fileKey.equals(a.fileKey()) && modified.equals(a.lastModifiedTime());
        }
    }

    /** Writes through a temporary file and a rename, so a reader never sees half a file. */
    private static void writeFile(Path file, byte[] bytes) {
        try {
            if (file.startsWith("/proc")) {
                Files.write(file, bytes);
                return;
            }
            Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new ContainerRuntimeException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static void setMode(Path file, String mode) {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        } catch (IOException e) {
            throw new ContainerRuntimeException("cannot chmod " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writePidFile(Path file, int pid) {
        writeFile(file.toAbsolutePath(), Integer.toString(pid).getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Where the init binds the rootfs: on itself in the container's mount namespace; in the host's (no mount
     * namespace in config.json) on {@code rootfs} in the container's directory, so delete unmounts only its own.
     */
    private static Path rootMount(Path dir, RuntimeSpec spec, Path rootfs) {
        if (!Plans.hostMountNamespace(spec)) {
            return rootfs;
        }
        try {
            return Files.createDirectory(dir.resolve(ROOT_MOUNT));
        } catch (IOException e) {
            throw new ContainerRuntimeException("cannot create " + dir.resolve(ROOT_MOUNT) + ": " + e.getMessage(), e);
        }
    }

    /** Detaches the rootfs bind of a container without a mount namespace (nothing is mounted there otherwise). */
    private void unmountRoot(Path dir) {
        linux.detachMount(dir.resolve(ROOT_MOUNT));
    }

    private void deleteDir(Path dir) {
        // Usually state.json is all there is (start removed the FIFO): two system calls instead of a listing.
        linux.unlink(dir.resolve(STATE));
        int removed = linux.rmdir(dir);
        if (removed == 0 || removed == Linux.ENOENT) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        } catch (NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            throw new ContainerRuntimeException("cannot remove " + dir + ": " + e.getMessage(), e);
        }
    }
}
