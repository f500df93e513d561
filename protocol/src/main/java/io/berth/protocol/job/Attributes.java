package io.berth.protocol.job;

import java.util.Set;

/**
 * The node attributes a constraint, affinity or spread may name. Labels an operator puts on a node are read
 * as {@code meta.<label>}. A spec naming anything else is rejected, so a typo cannot silently never match.
 */
public final class Attributes {
    public static final String NODE_ID = "node.id";
    public static final String DATACENTER = "node.datacenter";
    public static final String OS = "attr.os";
    public static final String ARCH = "attr.arch";
    public static final String KERNEL_VERSION = "attr.kernel.version";
    public static final String CGROUP_VERSION = "attr.cgroup.version";
    public static final String META_PREFIX = "meta.";

    /** Every fixed attribute name. */
    public static final Set<String> FIXED = Set.of(NODE_ID, DATACENTER, OS, ARCH, KERNEL_VERSION, CGROUP_VERSION);

    private Attributes() {}

    /** True when {@code name} is a fixed attribute or {@code meta.} followed by a label. */
    public static boolean isKnown(String name) {
        return name != null
                && (FIXED.contains(name) || name.startsWith(META_PREFIX) && name.length() > META_PREFIX.length());
    }
}
