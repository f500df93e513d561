package io.berth.runtime.cgroup;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import java.util.List;

/** cgroup V1: work in progress, the API is stable. */
final class CgroupsV1 implements Cgroups {
    CgroupsV1(List<CgroupHost.Hierarchy> hierarchies) {}

    CgroupsV1(CgroupHost.Hierarchy hierarchy) {}

    @Override
    public CgroupVersion version() {
        return CgroupVersion.V1;
    }

    @Override
    public ContainerCgroup create(String cgroupsPath, String containerId, RuntimeSpec.Resources resources) {
        throw new UnsupportedOperationException("cgroup V1 support is being written");
    }

    @Override
    public ContainerCgroup open(String cgroupsPath, String containerId) {
        throw new UnsupportedOperationException("cgroup V1 support is being written");
    }
}
