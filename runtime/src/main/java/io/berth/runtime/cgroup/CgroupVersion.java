package io.berth.runtime.cgroup;

/** Which cgroup interface a host offers to containers. */
public enum CgroupVersion {
    /** One hierarchy per controller (or per co-mounted group of controllers), {@code /sys/fs/cgroup/<ctrl>}. */
    V1,
    /** The single unified hierarchy. */
    V2
}
