package io.berth.runtime.cgroup;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import io.berth.runtime.linux.Linux;
import io.berth.runtime.linux.SyscallException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A container's cgroup on v1: one directory per hierarchy. */
final class ContainerCgroupV1 implements ContainerCgroup {
    private static final Logger LOG = LoggerFactory.getLogger(ContainerCgroupV1.class);
    private static final String R = "linux.resources.";
    private static final byte[] ZERO = {'0'};

    private final Map<CgroupHost.Hierarchy, Path> directories;

    ContainerCgroupV1(Map<CgroupHost.Hierarchy, Path> directories) {
        this.directories = Map.copyOf(directories);
    }

    Map<CgroupHost.Hierarchy, Path> byHierarchy() {
        return directories;
    }

    @Override
    public List<Path> directories() {
        return directories.values().stream().sorted().toList();
    }

    @Override
    public CgroupVersion version() {
        return CgroupVersion.V1;
    }

    /** The container's directory in the hierarchy holding {@code controller}, or null when none is mounted. */
    private Path dir(String controller) {
        for (Map.Entry<CgroupHost.Hierarchy, Path> e : directories.entrySet()) {
            if (e.getKey().has(controller)) {
                return e.getValue();
            }
        }
        return null;
    }

    /** Like {@link #dir} but failing with a message that names the field that needs the controller. */
    private Path need(String controller, String field) {
        Path d = dir(controller);
        if (d == null) {
            throw new CgroupException("cannot apply " + field + ": the cgroup v1 \"" + controller + "\" controller"
                    + " is not mounted on this host; mount it or remove " + field);
        }
        return d;
    }

    @Override
    public void addProcess(int pid) {
        for (Path d : directories.values()) {
            CgroupFiles.write(d.resolve("cgroup.procs"), Integer.toString(pid), null);
        }
    }

    @Override
    public Runnable enterThread() {
        Linux linux = Linux.get();
        List<int[]> back = new ArrayList<>();
        try {
            for (Map.Entry<CgroupHost.Hierarchy, Path> e : directories.entrySet()) {
                int[] way = wayBack(linux, e.getKey());
                int fd = openTasks(linux, e.getValue());
                try {
                    moveThisThread(linux, fd, e.getValue());
                } finally {
                    linux.closeQuietly(fd);
                }
                back.add(way);
            }
        } catch (RuntimeException e) {
            leaveThread(linux, back);
            throw e;
        }
        return () -> leaveThread(linux, back);
    }

    /**
     * Per hierarchy, the {@code tasks} files of the runtime's own cgroup and of the root, opened once per process:
     * where spawn threads go back to. Open files, not paths: once the init runs it may pivot_root, which moves the
     * root of the spawn thread too (they share the mount namespace), and paths would then lead into the container.
     */
    private static final Map<CgroupHost.Hierarchy, int[]> WAY_BACK = new ConcurrentHashMap<>();

    private static int[] wayBack(Linux linux, CgroupHost.Hierarchy h) {
        return WAY_BACK.computeIfAbsent(h, x -> {
            int root = openTasks(linux, x.mountPoint());
            Path own = x.directory(x.ownPath());
            int ownFd = root;
            if (own != null) {
                try {
                    ownFd = openTasks(linux, own);
                } catch (CgroupException e) {
                    // the runtime's cgroup is gone: the root always takes the thread
                }
            }
            return new int[] {ownFd, root};
        });
    }

    private static void leaveThread(Linux linux, List<int[]> back) {
        CgroupException failure = null;
        for (int[] way : back) {
            try {
                moveThisThread(linux, way[0], null);
            } catch (CgroupException e) {
                try {
                    moveThisThread(linux, way[1], null);
                } catch (CgroupException again) {
                    failure = failure == null ? again : failure;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static int openTasks(Linux linux, Path dir) {
        try {
            return linux.open(dir.resolve("tasks").toString(), Linux.O_WRONLY, 0);
        } catch (SyscallException e) {
            throw new CgroupException("cannot open " + dir.resolve("tasks") + ": " + e.getMessage(),
                    dir.resolve("tasks"), null, e);
        }
    }

    /** Writes "0" (the calling thread) to an open {@code tasks} file, through libc: this runs on the spawn thread. */
    private static void moveThisThread(Linux linux, int tasksFd, Path dir) {
        try {
            linux.writeAll(tasksFd, ZERO);
        } catch (SyscallException e) {
            throw new CgroupException("cannot move the spawning thread " + (dir == null ? "back out of the container's"
                    + " cgroup" : "into " + dir) + ": " + e.getMessage(), dir, "0", e);
        }
    }

    /**
     * The union over all hierarchies: a process is normally in every one, but one moved out of a hierarchy
     * behind the runtime's back is still in the others, and destroy must find it.
     */
    @Override
    public Set<Integer> pids() {
        Set<Integer> pids = new TreeSet<>();
        for (Path d : directories.values()) {
            pids.addAll(CgroupFiles.procsRecursive(d));
        }
        return pids;
    }

    @Override
    public long oomKillCount() {
        Path memory = dir("memory");
        // Read when each container's init exits, before its exit is reported: libc, one read, no exception for a
        // kernel without the file or a cgroup already gone.
        byte[] control = memory == null ? null : Linux.get().readSmall(memory.resolve("memory.oom_control").toString(),
                4096);
        if (control == null) {
            return 0;
        }
        for (String line : new String(control, StandardCharsets.US_ASCII).split("\n")) {
            if (line.startsWith("oom_kill ")) {
                return Long.parseLong(line.substring("oom_kill ".length()).trim());
            }
        }
        return 0;
    }

    @Override
    public CgroupStats stats() {
        long total = 0;
        long user = 0;
        long kernel = 0;
        Path cpuacct = dir("cpuacct");
        if (cpuacct != null) {
            total = CgroupFiles.readLong(cpuacct.resolve("cpuacct.usage"));
            if (Files.exists(cpuacct.resolve("cpuacct.usage_user"))) {
                user = CgroupFiles.readLong(cpuacct.resolve("cpuacct.usage_user"));
                kernel = CgroupFiles.readLong(cpuacct.resolve("cpuacct.usage_sys"));
            } else {
                // cpuacct.stat counts USER_HZ ticks, 100 per second on every Linux ABI
                Map<String, Long> stat = CgroupFiles.readKeyed(cpuacct.resolve("cpuacct.stat"));
                user = stat.getOrDefault("user", 0L) * 10_000_000L;
                kernel = stat.getOrDefault("system", 0L) * 10_000_000L;
            }
        }
        Map<String, Long> throttling = Map.of();
        Path cpu = dir("cpu");
        if (cpu != null) {
            throttling = CgroupFiles.readKeyed(cpu.resolve("cpu.stat"));
        }
        CgroupStats.Cpu cpuStats = new CgroupStats.Cpu(total, user, kernel,
                throttling.getOrDefault("nr_periods", 0L), throttling.getOrDefault("nr_throttled", 0L),
                throttling.getOrDefault("throttled_time", 0L));

        CgroupStats.Memory memoryStats = new CgroupStats.Memory(0, -1, 0, 0);
        Path memory = dir("memory");
        if (memory != null) {
            memoryStats = new CgroupStats.Memory(CgroupFiles.readLong(memory.resolve("memory.usage_in_bytes")),
                    CgroupFiles.readLimit(memory.resolve("memory.limit_in_bytes")),
                    CgroupFiles.readLong(memory.resolve("memory.max_usage_in_bytes")),
                    CgroupFiles.readKeyed(memory.resolve("memory.stat")).getOrDefault("total_cache", 0L));
        }
        CgroupStats.Pids pidsStats = new CgroupStats.Pids(0, -1);
        Path pids = dir("pids");
        if (pids != null) {
            pidsStats = new CgroupStats.Pids(CgroupFiles.readLong(pids.resolve("pids.current")),
                    CgroupFiles.readLimit(pids.resolve("pids.max")));
        }
        return new CgroupStats(cpuStats, memoryStats, pidsStats);
    }

    @Override
    public void update(RuntimeSpec.Resources resources) {
        apply(resources, true);
    }

    /**
     * Writes every non-null setting of {@code r}.
     *
     * @param live whether the cgroup may already hold processes and limits (an update), which changes how the
     *     device list is replaced and enables memory.checkBeforeUpdate
     */
    void apply(RuntimeSpec.Resources r, boolean live) {
        if (r.unified() != null && !r.unified().isEmpty()) {
            throw new CgroupException("cannot apply " + R + "unified: it needs cgroup v2 and this host runs cgroup v1"
                    + "; express the limits in the other linux.resources fields");
        }
        if (r.cpu() != null && (r.cpu().cpus() != null || r.cpu().mems() != null)) {
            Path cpuset = need("cpuset", R + "cpu.cpus");
            writeIfSet(cpuset, "cpuset.cpus", r.cpu().cpus(), R + "cpu.cpus");
            writeIfSet(cpuset, "cpuset.mems", r.cpu().mems(), R + "cpu.mems");
        }
        if (r.devices() != null) {
            applyDevices(r.devices(), live);
        }
        if (r.memory() != null) {
            applyMemory(r.memory(), live);
        }
        if (r.cpu() != null) {
            applyCpu(r.cpu());
        }
        if (r.pids() != null && r.pids().limit() != null) {
            long limit = r.pids().limit();
            CgroupFiles.write(need("pids", R + "pids.limit").resolve("pids.max"),
                    limit > 0 ? Long.toString(limit) : "max", R + "pids.limit");
        }
        if (r.blockIO() != null) {
            applyBlockIo(r.blockIO());
        }
        if (r.hugepageLimits() != null) {
            for (RuntimeSpec.HugepageLimit h : r.hugepageLimits()) {
                Path hugetlb = need("hugetlb", R + "hugepageLimits");
                Conversions.checkPageSize(h.pageSize());
                String value = Long.toUnsignedString(h.limit());
                CgroupFiles.write(hugetlb.resolve("hugetlb." + h.pageSize() + ".limit_in_bytes"), value,
                        R + "hugepageLimits[" + h.pageSize() + "]");
                // the reservation limit also bounds pages reserved by mmap but not yet faulted in
                Path rsvd = hugetlb.resolve("hugetlb." + h.pageSize() + ".rsvd.limit_in_bytes");
                if (Files.exists(rsvd)) {
                    CgroupFiles.write(rsvd, value, R + "hugepageLimits[" + h.pageSize() + "]");
                }
            }
        }
        if (r.network() != null) {
            if (r.network().classID() != null) {
                CgroupFiles.write(need("net_cls", R + "network.classID").resolve("net_cls.classid"),
                        Long.toString(r.network().classID()), R + "network.classID");
            }
            if (r.network().priorities() != null) {
                for (int i = 0; i < r.network().priorities().size(); i++) {
                    RuntimeSpec.InterfacePriority p = r.network().priorities().get(i);
                    CgroupFiles.write(need("net_prio", R + "network.priorities").resolve("net_prio.ifpriomap"),
                            p.name() + " " + p.priority(), R + "network.priorities[" + i + "]");
                }
            }
        }
        if (r.rdma() != null) {
            for (Map.Entry<String, RuntimeSpec.Rdma> e : r.rdma().entrySet()) {
                CgroupFiles.write(need("rdma", R + "rdma").resolve("rdma.max"),
                        Conversions.rdmaLine(e.getKey(), e.getValue()), R + "rdma." + e.getKey());
            }
        }
    }

    /**
     * Writes the rules in order, each to devices.allow or devices.deny. The list is read against a cgroup that
     * allows everything, as the OCI spec does; a fresh cgroup below an unrestricted parent is one, and an
     * update first resets the cgroup to that (or, when the list starts by denying everything, lets that first
     * rule do the reset, so no moment allows more than either list).
     */
    private void applyDevices(List<RuntimeSpec.DeviceRule> rules, boolean live) {
        Path devices = need("devices", R + "devices");
        boolean startsWithDenyAll = !rules.isEmpty() && DeviceRules.isDenyAll(rules.get(0));
        try (CgroupFiles.Writer allows = new CgroupFiles.Writer(devices.resolve("devices.allow"));
                CgroupFiles.Writer denies = new CgroupFiles.Writer(devices.resolve("devices.deny"))) {
            if (live && !startsWithDenyAll) {
                allows.write("a", R + "devices");
            }
            for (int i = 0; i < rules.size(); i++) {
                RuntimeSpec.DeviceRule rule = rules.get(i);
                (Boolean.TRUE.equals(rule.allow()) ? allows : denies).write(DeviceRules.v1Line(rule),
                        R + "devices[" + i + "]");
            }
        }
    }

    private void applyMemory(RuntimeSpec.Memory m, boolean live) {
        Path memory = need("memory", R + "memory");
        long limit = m.limit() == null ? 0 : m.limit();
        long swap = m.swap() == null ? 0 : m.swap();
        Path memsw = memory.resolve("memory.memsw.limit_in_bytes");
        // as runc: an unlimited memory with no swap given means memory plus swap unlimited too
        if (limit == -1 && swap == 0 && Files.exists(memsw)) {
            swap = -1;
        }
        if (live && Boolean.TRUE.equals(m.checkBeforeUpdate()) && limit > 0) {
            long usage = CgroupFiles.readLong(memory.resolve("memory.usage_in_bytes"));
            if (limit < usage) {
                throw new CgroupException("cannot apply " + R + "memory.limit " + limit + ": the cgroup uses "
                        + usage + " bytes now and memory.checkBeforeUpdate is set; give a limit of at least "
                        + usage, memory.resolve("memory.limit_in_bytes"), Long.toString(limit), null);
            }
        }
        Path limitFile = memory.resolve("memory.limit_in_bytes");
        if (swap != 0 && !Files.exists(memsw)) {
            throw new CgroupException("cannot apply " + R + "memory.swap: " + memsw + " does not exist, so swap"
                    + " accounting is off in this kernel (boot with swapaccount=1) or remove memory.swap", memsw,
                    Long.toString(swap), null);
        }
        if (limit != 0 && swap != 0) {
            // the kernel keeps memsw.limit >= limit at every moment, so memsw goes first only when it grows
            // past the current limit (unlimited, -1, counts as larger than anything)
            long current = CgroupFiles.readLimit(limitFile);
            if (swap == -1 || (current != -1 && current < swap)) {
                CgroupFiles.write(memsw, Long.toString(swap), R + "memory.swap");
                CgroupFiles.write(limitFile, Long.toString(limit), R + "memory.limit");
            } else {
                CgroupFiles.write(limitFile, Long.toString(limit), R + "memory.limit");
                CgroupFiles.write(memsw, Long.toString(swap), R + "memory.swap");
            }
        } else if (limit != 0) {
            CgroupFiles.write(limitFile, Long.toString(limit), R + "memory.limit");
        } else if (swap != 0) {
            CgroupFiles.write(memsw, Long.toString(swap), R + "memory.swap");
        }
        if (m.reservation() != null) {
            CgroupFiles.write(memory.resolve("memory.soft_limit_in_bytes"), Long.toString(m.reservation()),
                    R + "memory.reservation");
        }
        if (m.kernel() != null) {
            LOG.warn("{}memory.kernel is ignored: kernel memory limits are deprecated since Linux 5.4 and no"
                    + " longer enforced", R);
        }
        if (m.kernelTCP() != null) {
            CgroupFiles.write(memory.resolve("memory.kmem.tcp.limit_in_bytes"), Long.toString(m.kernelTCP()),
                    R + "memory.kernelTCP");
        }
        if (m.swappiness() != null) {
            CgroupFiles.write(memory.resolve("memory.swappiness"), Long.toUnsignedString(m.swappiness()),
                    R + "memory.swappiness");
        }
        if (m.disableOOMKiller() != null && (m.disableOOMKiller() || live)) {
            CgroupFiles.write(memory.resolve("memory.oom_control"), m.disableOOMKiller() ? "1" : "0",
                    R + "memory.disableOOMKiller");
        }
        if (m.useHierarchy() != null) {
            String wanted = m.useHierarchy() ? "1" : "0";
            Path file = memory.resolve("memory.use_hierarchy");
            // recent kernels fix use_hierarchy at 1 and refuse any write, even of 1
            if (!CgroupFiles.read(file).equals(wanted)) {
                CgroupFiles.write(file, wanted, R + "memory.useHierarchy");
            }
        }
    }

    private void applyCpu(RuntimeSpec.Cpu c) {
        if (c.shares() != null || c.quota() != null || c.period() != null || c.burst() != null
                || c.realtimePeriod() != null || c.realtimeRuntime() != null || c.idle() != null) {
            Path cpu = need("cpu", R + "cpu");
            if (c.shares() != null && c.shares() != 0) {
                String shares = Long.toUnsignedString(c.shares());
                CgroupFiles.write(cpu.resolve("cpu.shares"), shares, R + "cpu.shares");
                String actual = CgroupFiles.read(cpu.resolve("cpu.shares"));
                if (!actual.equals(shares)) {
                    throw new CgroupException("cannot apply " + R + "cpu.shares " + shares + ": the kernel clamped it"
                            + " to " + actual + "; give a value between 2 and 262144", cpu.resolve("cpu.shares"),
                            shares, null);
                }
            }
            writeInOrder(cpu, "cpu.cfs_period_us", unsignedOrNull(c.period()), R + "cpu.period",
                    "cpu.cfs_quota_us", c.quota() == null || c.quota() == 0 ? null
                            : c.quota() > 0 ? Long.toString(c.quota()) : "-1", R + "cpu.quota");
            if (c.burst() != null) {
                CgroupFiles.write(cpu.resolve("cpu.cfs_burst_us"), Long.toUnsignedString(c.burst()),
                        R + "cpu.burst");
            }
            writeInOrder(cpu, "cpu.rt_period_us", unsignedOrNull(c.realtimePeriod()), R + "cpu.realtimePeriod",
                    "cpu.rt_runtime_us", c.realtimeRuntime() == null ? null : Long.toString(c.realtimeRuntime()),
                    R + "cpu.realtimeRuntime");
            if (c.idle() != null) {
                CgroupFiles.write(cpu.resolve("cpu.idle"), Long.toString(c.idle()), R + "cpu.idle");
            }
        }
    }

    /**
     * Writes a period and the budget within it. The kernel checks each write against the other value and the
     * parent's, so a new period can be refused until the new budget is in: then the budget goes first.
     */
    private static void writeInOrder(Path dir, String periodFile, String period, String periodField,
            String budgetFile, String budget, String budgetField) {
        boolean periodWritten = period == null;
        if (period != null) {
            try {
                CgroupFiles.write(dir.resolve(periodFile), period, periodField);
                periodWritten = true;
            } catch (CgroupException e) {
                if (budget == null) {
                    throw e;
                }
            }
        }
        if (budget != null) {
            CgroupFiles.write(dir.resolve(budgetFile), budget, budgetField);
        }
        if (!periodWritten) {
            CgroupFiles.write(dir.resolve(periodFile), period, periodField);
        }
    }

    private static String unsignedOrNull(Long value) {
        return value == null || value == 0 ? null : Long.toUnsignedString(value);
    }

    private void applyBlockIo(RuntimeSpec.BlockIo b) {
        Path blkio = need("blkio", R + "blockIO");
        // CFQ had blkio.weight; with BFQ (the only proportional scheduler since Linux 5.0) it is blkio.bfq.weight
        String prefix = Files.exists(blkio.resolve("blkio.weight")) ? "blkio." : "blkio.bfq.";
        if (b.weight() != null) {
            CgroupFiles.write(blkio.resolve(prefix + "weight"), Integer.toString(b.weight()), R + "blockIO.weight");
        }
        if (b.leafWeight() != null) {
            CgroupFiles.write(blkio.resolve("blkio.leaf_weight"), Integer.toString(b.leafWeight()),
                    R + "blockIO.leafWeight");
        }
        if (b.weightDevice() != null) {
            for (int i = 0; i < b.weightDevice().size(); i++) {
                RuntimeSpec.WeightDevice d = b.weightDevice().get(i);
                String field = R + "blockIO.weightDevice[" + i + "]";
                if (d.weight() != null) {
                    CgroupFiles.write(blkio.resolve(prefix + "weight_device"),
                            d.major() + ":" + d.minor() + " " + d.weight(), field);
                }
                if (d.leafWeight() != null) {
                    CgroupFiles.write(blkio.resolve("blkio.leaf_weight_device"),
                            d.major() + ":" + d.minor() + " " + d.leafWeight(), field);
                }
            }
        }
        throttle(blkio, "blkio.throttle.read_bps_device", b.throttleReadBpsDevice(), "throttleReadBpsDevice");
        throttle(blkio, "blkio.throttle.write_bps_device", b.throttleWriteBpsDevice(), "throttleWriteBpsDevice");
        throttle(blkio, "blkio.throttle.read_iops_device", b.throttleReadIOPSDevice(), "throttleReadIOPSDevice");
        throttle(blkio, "blkio.throttle.write_iops_device", b.throttleWriteIOPSDevice(), "throttleWriteIOPSDevice");
    }

    private static void throttle(Path blkio, String file, List<RuntimeSpec.ThrottleDevice> devices, String field) {
        if (devices == null) {
            return;
        }
        for (int i = 0; i < devices.size(); i++) {
            RuntimeSpec.ThrottleDevice d = devices.get(i);
            CgroupFiles.write(blkio.resolve(file), d.major() + ":" + d.minor() + " " + Long.toUnsignedString(d.rate()),
                    R + "blockIO." + field + "[" + i + "]");
        }
    }

    private static void writeIfSet(Path dir, String file, String value, String field) {
        if (value != null && !value.isEmpty()) {
            CgroupFiles.write(dir.resolve(file), value, field);
        }
    }

    @Override
    public void freeze() {
        setFreezerState("FROZEN");
    }

    @Override
    public void thaw() {
        setFreezerState("THAWED");
    }

    @Override
    public boolean frozen() {
        Path freezer = dir("freezer");
        return freezer != null && !CgroupFiles.read(freezer.resolve("freezer.state")).equals("THAWED");
    }

    /**
     * Writes the state and waits for the kernel to report it. Freezing can stall on a task in an
     * uninterruptible sleep; writing FROZEN again retries those tasks, as runc does.
     */
    private void setFreezerState(String state) {
        Path file = need("freezer", "freeze").resolve("freezer.state");
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (int attempt = 0; ; attempt++) {
            if (attempt % 10 == 0) {
                CgroupFiles.write(file, state, null);
            }
            if (CgroupFiles.read(file).equals(state)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                if (state.equals("FROZEN")) {
                    CgroupFiles.write(file, "THAWED", null);
                }
                throw new CgroupException("the cgroup did not become " + state + " within 10 s (" + file + " reads "
                        + CgroupFiles.read(file) + "); a process may be stuck in uninterruptible sleep", file, state,
                        null);
            }
            CgroupFiles.sleep(1 + Math.min(attempt, 20));
        }
    }

    @Override
    public List<CgroupMount> mountSources() {
        List<CgroupMount> mounts = new ArrayList<>();
        for (Map.Entry<CgroupHost.Hierarchy, Path> e : directories.entrySet()) {
            mounts.add(new CgroupMount(e.getValue(), e.getKey().targetName(), e.getKey().controllers()));
        }
        mounts.sort((a, b) -> a.target().compareTo(b.target()));
        return mounts;
    }

    @Override
    public void killAll(int signal) {
        // frozen, the processes cannot fork children that the sweep would miss
        Path freezer = dir("freezer");
        boolean freezable = freezer != null && Files.exists(freezer);
        boolean wasFrozen = freezable && frozen();
        if (freezable && !wasFrozen) {
            freeze();
        }
        try {
            Signals.send(pids(), signal);
        } finally {
            // a frozen task acts on SIGKILL only once thawed
            if (freezable && (!wasFrozen || signal == Signals.SIGKILL)) {
                thaw();
            }
        }
    }

    @Override
    public void destroy() {
        // Usually every process is gone already (the init reaped, and a pid namespace takes its processes with it):
        // removing right away saves reading each hierarchy's cgroup.procs first. A busy directory refuses.
        boolean removed = true;
        for (Path d : directories.values()) {
            removed &= CgroupFiles.removeTreeIfEmpty(d);
        }
        if (removed) {
            return;
        }
        Signals.killAndWait(this);
        List<CgroupException> failures = new ArrayList<>();
        for (Path d : directories.values()) {
            try {
                CgroupFiles.removeTree(d);
            } catch (CgroupException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            CgroupException first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }

    @Override
    public String toString() {
        return "cgroup v1 " + new TreeSet<>(directories.values().stream().map(Path::toString).toList());
    }
}
