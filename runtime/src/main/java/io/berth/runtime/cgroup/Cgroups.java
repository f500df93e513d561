package io.berth.runtime.cgroup;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import java.nio.file.Path;
import java.util.List;

/**
 * The host's cgroup hierarchy, version 1 or 2, as found in {@code /proc/self/mountinfo}; the factory for
 * container cgroups.
 *
 * <p><b>cgroupsPath.</b> Null means {@code "berth/<containerId>"}. As runc does it, an absolute path is taken
 * from the root of each hierarchy, and a relative path from the runtime's own cgroup (on v1 per hierarchy, from
 * {@code /proc/self/cgroup}; on v2 from the parent of the runtime's own cgroup, because a cgroup v2 with
 * processes in it cannot hand controllers to children). The systemd driver's {@code slice:prefix:name} form is
 * not supported and is rejected. A path may not leave its hierarchy through {@code ..}.
 *
 * <p><b>Limits.</b> On v1 config.json's values go to the controller files as they are; a missing controller
 * hierarchy is an error naming the field. On v2 they are converted as runc and crun do ({@code cpu.weight} from
 * shares, {@code memory.swap.max = swap - limit}, {@code io.weight} from the blkio weight), {@code unified}
 * entries are written last, and settings v2 has no file for (swappiness, kernelTCP, disableOOMKiller, real-time
 * CPU, leaf weights, network) are errors rather than silently dropped. {@code memory.kernel} is ignored with a
 * warning on both, as the kernel no longer enforces it. The device list becomes {@code devices.allow}/{@code
 * devices.deny} lines on v1 and an attached eBPF program on v2, with the same meaning (see
 * {@code linux.resources.devices} in the runtime spec): rules apply to an initially unrestricted cgroup and the
 * last rule matching a device and an access decides it. The runtime adds its default device rules itself.
 *
 * <p><b>Threads.</b> Instances are immutable and safe to share between threads. The cgroup filesystems are
 * the only state, so two processes (one CLI invocation per command) see the same containers.
 */
public interface Cgroups {

    /**
     * Reads {@code /proc/self/mountinfo} and {@code /proc/self/cgroup}. On a hybrid host (v1 controllers plus
     * an empty cgroup2) this is v1, because v1 holds the controllers.
     *
     * @throws CgroupException when no cgroup filesystem is mounted
     */
    static Cgroups detect() {
        return CgroupHost.detect();
    }

    /** The cgroup interface this host offers. */
    CgroupVersion version();

    /**
     * Creates the container's cgroup (on v1 one directory in each hierarchy whose controllers the runtime uses
     * or {@code resources} limits, and in every named one such as name=systemd) and applies every limit
     * in {@code resources}. On any failure everything this call created is removed again before the exception
     * leaves. A directory that already exists and holds no process is reused; one that holds processes is an
     * error.
     *
     * @param cgroupsPath {@code linux.cgroupsPath}, nullable (see the class comment)
     * @param containerId the container's id, used for the default path; not null
     * @param resources {@code linux.resources}, nullable for no limits
     * @throws CgroupException naming the controller file, the value and the config.json field that failed
     */
    ContainerCgroup create(String cgroupsPath, String containerId, RuntimeSpec.Resources resources);

    /**
     * Opens an existing container cgroup, e.g. from a later CLI process. Nothing is written, so this works on a
     * cgroup that was partly removed. On v1 it is the container's directories that exist (create makes only some);
     * on v2 the one directory, whose operations fail once it is gone (except {@link ContainerCgroup#destroy()},
     * which tolerates that).
     *
     * @param cgroupsPath as given to {@link #create}, nullable
     * @param containerId not null
     * @throws CgroupException when the path is not valid
     */
    ContainerCgroup open(String cgroupsPath, String containerId);

    /**
     * Opens a container cgroup from the directories {@link ContainerCgroup#directories()} returned when it was
     * created. Prefer this to {@link #open(String, String)} in a later process: a relative cgroupsPath
     * resolves against the calling process's own cgroup, which need not be the creator's.
     *
     * @param directories not null, not empty
     * @throws CgroupException when a directory lies outside this host's cgroup hierarchies
     */
    ContainerCgroup open(List<Path> directories);
}
