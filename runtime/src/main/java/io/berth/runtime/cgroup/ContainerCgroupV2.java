package io.berth.runtime.cgroup;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A container's cgroup on v2: one directory; devices are policed by an attached eBPF program. */
final class ContainerCgroupV2 implements ContainerCgroup {
    private static final Logger LOG = LoggerFactory.getLogger(ContainerCgroupV2.class);
    private static final String R = "linux.resources.";
    /** Files that move processes or reshape the tree; {@code unified} must not reach them. */
    private static final Set<String> UNIFIED_FORBIDDEN = Set.of("cgroup.procs", "cgroup.threads",
            "cgroup.subtree_control", "cgroup.kill", "cgroup.freeze", "cgroup.type");

    private final Path dir;

    ContainerCgroupV2(Path dir) {
        this.dir = dir;
    }

    Path directory() {
        return dir;
    }

    @Override
    public CgroupVersion version() {
        return CgroupVersion.V2;
    }

    @Override
    public List<Path> directories() {
        return List.of(dir);
    }

    @Override
    public void addProcess(int pid) {
        CgroupFiles.write(dir.resolve("cgroup.procs"), Integer.toString(pid), null);
    }

    @Override
    public Runnable enterThread() {
        throw new UnsupportedOperationException("a thread alone cannot join a cgroup v2 domain cgroup: use addProcess");
    }

    @Override
    public Set<Integer> pids() {
        return CgroupFiles.procsRecursive(dir);
    }

    @Override
    public long oomKillCount() {
        Path events = dir.resolve("memory.events");
        return Files.exists(events) ? CgroupFiles.readKeyed(events).getOrDefault("oom_kill", 0L) : 0;
    }

    @Override
    public CgroupStats stats() {
        Map<String, Long> cpu = CgroupFiles.readKeyed(dir.resolve("cpu.stat"));
        CgroupStats.Cpu cpuStats = new CgroupStats.Cpu(cpu.getOrDefault("usage_usec", 0L) * 1000,
                cpu.getOrDefault("user_usec", 0L) * 1000, cpu.getOrDefault("system_usec", 0L) * 1000,
                cpu.getOrDefault("nr_periods", 0L), cpu.getOrDefault("nr_throttled", 0L),
                cpu.getOrDefault("throttled_usec", 0L) * 1000);
        CgroupStats.Memory memoryStats = new CgroupStats.Memory(0, -1, 0, 0);
        if (Files.exists(dir.resolve("memory.current"))) {
            Path peak = dir.resolve("memory.peak");
            memoryStats = new CgroupStats.Memory(CgroupFiles.readLong(dir.resolve("memory.current")),
                    CgroupFiles.readLimit(dir.resolve("memory.max")),
                    Files.exists(peak) ? CgroupFiles.readLong(peak) : 0,
                    CgroupFiles.readKeyed(dir.resolve("memory.stat")).getOrDefault("file", 0L));
        }
        CgroupStats.Pids pidsStats = new CgroupStats.Pids(0, -1);
        if (Files.exists(dir.resolve("pids.current"))) {
            pidsStats = new CgroupStats.Pids(CgroupFiles.readLong(dir.resolve("pids.current")),
                    CgroupFiles.readLimit(dir.resolve("pids.max")));
        }
        return new CgroupStats(cpuStats, memoryStats, pidsStats);
    }

    @Override
    public void update(RuntimeSpec.Resources resources) {
        apply(resources, true);
    }

    /**
     * Writes every non-null setting of {@code r}; {@code unified} last, so it has the final word.
     *
     * @param live whether this is an update of a cgroup that may hold processes (enables checkBeforeUpdate)
     */
    void apply(RuntimeSpec.Resources r, boolean live) {
        RuntimeSpec.Cpu c = r.cpu();
        if (c != null) {
            if (c.cpus() != null && !c.cpus().isEmpty()) {
                write("cpuset", "cpuset.cpus", c.cpus(), R + "cpu.cpus");
            }
            if (c.mems() != null && !c.mems().isEmpty()) {
                write("cpuset", "cpuset.mems", c.mems(), R + "cpu.mems");
            }
        }
        if (r.devices() != null) {
            DeviceProgram.install(dir, DeviceRules.program(r.devices()));
        }
        if (r.memory() != null) {
            applyMemory(r.memory(), live);
        }
        if (c != null) {
            applyCpu(c);
        }
        if (r.pids() != null && r.pids().limit() != null) {
            long limit = r.pids().limit();
            write("pids", "pids.max", limit > 0 ? Long.toString(limit) : "max", R + "pids.limit");
        }
        if (r.blockIO() != null) {
            applyIo(r.blockIO());
        }
        if (r.hugepageLimits() != null) {
            for (RuntimeSpec.HugepageLimit h : r.hugepageLimits()) {
                Conversions.checkPageSize(h.pageSize());
                String field = R + "hugepageLimits[" + h.pageSize() + "]";
                String value = Long.toUnsignedString(h.limit());
                write("hugetlb", "hugetlb." + h.pageSize() + ".max", value, field);
                if (Files.exists(dir.resolve("hugetlb." + h.pageSize() + ".rsvd.max"))) {
                    write("hugetlb", "hugetlb." + h.pageSize() + ".rsvd.max", value, field);
                }
            }
        }
        if (r.network() != null && (r.network().classID() != null || r.network().priorities() != null)) {
            throw new CgroupException("cannot apply " + R + "network: cgroup v2 has no net_cls or net_prio"
                    + " controller; classify traffic with an eBPF or nftables cgroup match instead");
        }
        if (r.rdma() != null) {
            for (Map.Entry<String, RuntimeSpec.Rdma> e : r.rdma().entrySet()) {
                write("rdma", "rdma.max", Conversions.rdmaLine(e.getKey(), e.getValue()), R + "rdma." + e.getKey());
            }
        }
        if (r.unified() != null) {
            for (Map.Entry<String, String> e : r.unified().entrySet()) {
                applyUnified(e.getKey(), e.getValue());
            }
        }
    }

    private void applyMemory(RuntimeSpec.Memory m, boolean live) {
        long limit = m.limit() == null ? 0 : m.limit();
        long swap = Conversions.swapMax(m.swap() == null ? 0 : m.swap(), limit);
        if (live && Boolean.TRUE.equals(m.checkBeforeUpdate()) && limit > 0) {
            long usage = CgroupFiles.readLong(need("memory", R + "memory.limit").resolve("memory.current"));
            if (limit < usage) {
                throw new CgroupException("cannot apply " + R + "memory.limit " + limit + ": the cgroup uses "
                        + usage + " bytes now and memory.checkBeforeUpdate is set; give a limit of at least "
                        + usage, dir.resolve("memory.max"), Long.toString(limit), null);
            }
        }
        // swap first: memory.swap.max does not depend on memory.max, and a failing swap write then leaves
        // the memory limit as it was
        if (swap != 0) {
            write("memory", "memory.swap.max", swap == -1 ? "max" : Long.toString(swap), R + "memory.swap");
        }
        if (limit != 0) {
            write("memory", "memory.max", limit == -1 ? "max" : Long.toString(limit), R + "memory.limit");
        }
        if (m.reservation() != null) {
            write("memory", "memory.low", m.reservation() == -1 ? "max" : Long.toString(m.reservation()),
                    R + "memory.reservation");
        }
        if (m.kernel() != null) {
            LOG.warn("{}memory.kernel is ignored: cgroup v2 accounts kernel memory within memory.max", R);
        }
        if (m.kernelTCP() != null) {
            throw new CgroupException("cannot apply " + R + "memory.kernelTCP: cgroup v2 has no separate TCP"
                    + " memory limit (it is part of memory.max); remove memory.kernelTCP");
        }
        if (m.swappiness() != null) {
            throw new CgroupException("cannot apply " + R + "memory.swappiness: cgroup v2 has no per-cgroup"
                    + " swappiness; remove memory.swappiness (memory.swap.max limits swap)");
        }
        if (Boolean.TRUE.equals(m.disableOOMKiller())) {
            throw new CgroupException("cannot apply " + R + "memory.disableOOMKiller: cgroup v2 cannot turn the OOM"
                    + " killer off for a cgroup; remove it (memory.oom.group and memory.high shape OOM behaviour)");
        }
        if (Boolean.FALSE.equals(m.useHierarchy())) {
            throw new CgroupException("cannot apply " + R + "memory.useHierarchy false: cgroup v2 is always"
                    + " hierarchical; remove it");
        }
    }

    private void applyCpu(RuntimeSpec.Cpu c) {
        if (c.shares() != null && c.shares() != 0) {
            write("cpu", "cpu.weight", Long.toString(Conversions.cpuWeight(c.shares())), R + "cpu.shares");
        }
        long quota = c.quota() == null ? 0 : c.quota();
        long period = c.period() == null ? 0 : c.period();
        if (quota != 0 || period != 0) {
            // cpu.max holds both; a period given alone keeps the current quota (runc would reset it to max)
            String q = quota > 0 ? Long.toString(quota) : "max";
            if (quota == 0) {
                q = CgroupFiles.read(need("cpu", R + "cpu.period").resolve("cpu.max")).split(" ")[0];
            }
            write("cpu", "cpu.max", period != 0 ? q + " " + Long.toUnsignedString(period) : q,
                    quota != 0 ? R + "cpu.quota" : R + "cpu.period");
        }
        if (c.burst() != null) {
            write("cpu", "cpu.max.burst", Long.toUnsignedString(c.burst()), R + "cpu.burst");
        }
        if (c.idle() != null) {
            write("cpu", "cpu.idle", Long.toString(c.idle()), R + "cpu.idle");
        }
        if ((c.realtimeRuntime() != null && c.realtimeRuntime() != 0)
                || (c.realtimePeriod() != null && c.realtimePeriod() != 0)) {
            throw new CgroupException("cannot apply " + R + "cpu.realtimeRuntime/realtimePeriod: cgroup v2 has no"
                    + " real-time group scheduling; remove them");
        }
    }

    private void applyIo(RuntimeSpec.BlockIo b) {
        // BFQ takes the v1 scale (1..1000) in io.bfq.weight; io.weight is the 1..10000 scale of io.cost
        boolean bfq = Files.exists(dir.resolve("io.bfq.weight"));
        if (b.weight() != null && b.weight() != 0) {
            write("io", bfq ? "io.bfq.weight" : "io.weight",
                    Long.toString(bfq ? b.weight() : Conversions.ioWeight(b.weight())), R + "blockIO.weight");
        }
        if (b.leafWeight() != null) {
            throw new CgroupException("cannot apply " + R + "blockIO.leafWeight: cgroup v2 has no leaf weights;"
                    + " remove it");
        }
        if (b.weightDevice() != null) {
            for (int i = 0; i < b.weightDevice().size(); i++) {
                RuntimeSpec.WeightDevice d = b.weightDevice().get(i);
                if (d.weight() != null) {
                    write("io", bfq ? "io.bfq.weight" : "io.weight", d.major() + ":" + d.minor() + " "
                            + (bfq ? d.weight() : Conversions.ioWeight(d.weight())),
                            R + "blockIO.weightDevice[" + i + "]");
                }
            }
        }
        throttle(b.throttleReadBpsDevice(), "rbps", "throttleReadBpsDevice");
        throttle(b.throttleWriteBpsDevice(), "wbps", "throttleWriteBpsDevice");
        throttle(b.throttleReadIOPSDevice(), "riops", "throttleReadIOPSDevice");
        throttle(b.throttleWriteIOPSDevice(), "wiops", "throttleWriteIOPSDevice");
    }

    private void throttle(List<RuntimeSpec.ThrottleDevice> devices, String key, String field) {
        if (devices == null) {
            return;
        }
        for (int i = 0; i < devices.size(); i++) {
            RuntimeSpec.ThrottleDevice d = devices.get(i);
            write("io", "io.max", d.major() + ":" + d.minor() + " " + key + "=" + Long.toUnsignedString(d.rate()),
                    R + "blockIO." + field + "[" + i + "]");
        }
    }

    private void applyUnified(String key, String value) {
        String field = R + "unified[\"" + key + "\"]";
        if (key.isEmpty() || key.contains("/") || key.startsWith(".") || UNIFIED_FORBIDDEN.contains(key)) {
            throw new CgroupException("cannot apply " + field + ": \"" + key + "\" is not a cgroup limit file this"
                    + " runtime lets config.json write; give a file name such as memory.high");
        }
        int dot = key.indexOf('.');
        String controller = dot > 0 ? key.substring(0, dot) : key;
        if (controller.equals("cgroup")) {
            CgroupFiles.write(dir.resolve(key), value, field);
        } else {
            write(controller, key, value, field);
        }
    }

    /** Writes a file of {@code controller}, first checking that the controller reaches this cgroup. */
    private void write(String controller, String file, String value, String field) {
        CgroupFiles.write(need(controller, field).resolve(file), value, field);
    }

    private Path need(String controller, String field) {
        // cpu.stat, cpu.pressure and friends exist without the controller; the limit files do not
        String available = CgroupFiles.read(dir.resolve("cgroup.controllers"));
        if (!List.of(available.split(" ")).contains(controller)) {
            throw new CgroupException("cannot apply " + field + ": the cgroup v2 \"" + controller + "\" controller"
                    + " is not enabled for " + dir + " (its cgroup.controllers lists \"" + available + "\"); on a"
                    + " hybrid host cgroup v1 holds it, otherwise enable it in the parent's cgroup.subtree_control",
                    dir.resolve("cgroup.controllers"), null, null);
        }
        return dir;
    }

    @Override
    public void freeze() {
        setFrozen(true);
    }

    @Override
    public void thaw() {
        setFrozen(false);
    }

    @Override
    public boolean frozen() {
        return Files.exists(dir.resolve("cgroup.freeze")) && CgroupFiles.read(dir.resolve("cgroup.freeze")).equals("1");
    }

    private void setFrozen(boolean frozen) {
        Path file = dir.resolve("cgroup.freeze");
        CgroupFiles.write(file, frozen ? "1" : "0", null);
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (int attempt = 0; ; attempt++) {
            long reported = CgroupFiles.readKeyed(dir.resolve("cgroup.events")).getOrDefault("frozen", 0L);
            if (reported == (frozen ? 1 : 0)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                if (frozen) {
                    CgroupFiles.write(file, "0", null);
                }
                throw new CgroupException("the cgroup " + dir + " did not become " + (frozen ? "frozen" : "thawed")
                        + " within 10 s (cgroup.events)", file, frozen ? "1" : "0", null);
            }
            CgroupFiles.sleep(1 + Math.min(attempt, 20));
        }
    }

    @Override
    public List<CgroupMount> mountSources() {
        return List.of(new CgroupMount(dir, "", List.of()));
    }

    @Override
    public void killAll(int signal) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        Path kill = dir.resolve("cgroup.kill");
        if (signal == Signals.SIGKILL && Files.exists(kill)) {
            CgroupFiles.write(kill, "1", null);
            return;
        }
        boolean wasFrozen = frozen();
        if (!wasFrozen) {
            freeze();
        }
        try {
            Signals.send(pids(), signal);
        } finally {
            if (!wasFrozen) {
                thaw();
            }
        }
    }

    @Override
    public void destroy() {
        Signals.killAndWait(this);
        CgroupFiles.removeTree(dir);
    }

    @Override
    public String toString() {
        return "cgroup v2 " + dir;
    }
}
