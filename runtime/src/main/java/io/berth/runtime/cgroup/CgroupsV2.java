package io.berth.runtime.cgroup;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import java.util.List;

/** cgroup V2: work in progress, the API is stable. */
final class CgroupsV2 implements Cgroups {
    CgroupsV2(List<CgroupHost.Hierarchy> hierarchies) {}

    CgroupsV2(CgroupHost.Hierarchy hierarchy) {}

    @Override
    public CgroupVersion version() {
        return CgroupVersion.V2;
    }

    @Override
    public ContainerCgroup create(String cgroupsPath, String containerId, RuntimeSpec.Resources resources) {
        throw new UnsupportedOperationException("cgroup V2 support is being written");
    }

    @Override
    public ContainerCgroup open(String cgroupsPath, String containerId) {
        throw new UnsupportedOperationException("cgroup V2 support is being written");
    }
}
