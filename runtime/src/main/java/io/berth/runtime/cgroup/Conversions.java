package io.berth.runtime.cgroup;

import io.berth.protocol.oci.runtime.RuntimeSpec;

/**
 * The value translations between config.json (whose numbers follow cgroup v1) and the files that hold them,
 * computed as runc and crun compute them so a container gets the same limits under every runtime.
 */
final class Conversions {
    private Conversions() {}

    /**
     * cgroup v2 {@code cpu.weight} (1..10000, default 100) for v1 {@code cpu.shares} (2..262144, default 1024):
     * the quadratic curve in log space that runc 1.3 and crun 1.23 use, which maps 2, 1024 and 262144 onto 1,
     * 100 and 10000 exactly. 0 means unset.
     */
    static long cpuWeight(long shares) {
        if (shares == 0) {
            return 0;
        }
        if (Long.compareUnsigned(shares, 2) <= 0) {
            return 1;
        }
        if (Long.compareUnsigned(shares, 262_144) >= 0) {
            return 10_000;
        }
        double l = Math.log(shares) / Math.log(2);
        double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
        return (long) Math.ceil(Math.pow(10, exponent));
    }

    /**
     * cgroup v2 {@code memory.swap.max} for the spec's {@code memory.swap}, which (as v1's memsw) counts memory
     * plus swap: swap alone is {@code swap - limit}. -1 is unlimited, 0 leaves the file alone.
     *
     * @throws CgroupException when swap is given without a memory limit or is below it
     */
    static long swapMax(long swap, long limit) {
        // as v1: unlimited memory with no swap given makes memory and swap unlimited
        if (limit == -1 && swap == 0) {
            return -1;
        }
        if (swap == -1 || swap == 0) {
            return swap;
        }
        if (limit == 0 || limit == -1) {
            throw new CgroupException("cannot apply linux.resources.memory.swap " + swap + ": cgroup v2 limits swap"
                    + " separately from memory, so memory.swap needs a memory.limit to subtract from; set"
                    + " memory.limit too");
        }
        if (swap < limit) {
            throw new CgroupException("cannot apply linux.resources.memory.swap " + swap + ": it counts memory plus"
                    + " swap and must be at least memory.limit " + limit);
        }
        return swap - limit;
    }

    /** cgroup v2 {@code io.weight} (1..10000) for v1 {@code blkio.weight} (10..1000), linearly, as runc does. */
    static long ioWeight(long blkioWeight) {
        if (blkioWeight == 0) {
            return 0;
        }
        return 1 + (blkioWeight - 10) * 9999 / 990;
    }

    /**
     * Checks a hugepage size as the hugetlb files spell it ({@code 2MB}, {@code 1GB}, {@code 64KB}), since it
     * becomes part of a file name.
     */
    static void checkPageSize(String pageSize) {
        if (pageSize == null || !pageSize.matches("[1-9][0-9]*[KMG]B")) {
            throw new CgroupException("cannot apply linux.resources.hugepageLimits: pageSize \"" + pageSize
                    + "\" is not a size such as 2MB or 1GB");
        }
    }

    /** One line of {@code rdma.max}; an absent count is {@code max}. */
    static String rdmaLine(String device, RuntimeSpec.Rdma limit) {
        return device + " hca_handle=" + (limit.hcaHandles() == null ? "max" : limit.hcaHandles())
                + " hca_object=" + (limit.hcaObjects() == null ? "max" : limit.hcaObjects());
    }
}
