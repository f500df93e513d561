package io.berth.runtime.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import org.junit.jupiter.api.Test;

class ConversionsTest {

    @Test
    void cpuWeightMapsTheEndsAndTheDefaultExactly() {
        assertThat(Conversions.cpuWeight(0)).isZero();
        assertThat(Conversions.cpuWeight(2)).isEqualTo(1);
        assertThat(Conversions.cpuWeight(1024)).isEqualTo(100);
        assertThat(Conversions.cpuWeight(262_144)).isEqualTo(10_000);
        assertThat(Conversions.cpuWeight(1 << 20)).isEqualTo(10_000);
    }

    @Test
    void cpuWeightGrowsWithShares() {
        long previous = 0;
        for (long shares = 2; shares <= 262_144; shares += 97) {
            long weight = Conversions.cpuWeight(shares);
            assertThat(weight).isBetween(previous, 10_000L);
            previous = weight;
        }
    }

    @Test
    void swapMaxIsSwapAloneWhereTheSpecCountsMemoryPlusSwap() {
        assertThat(Conversions.swapMax(96, 64)).isEqualTo(32);
        assertThat(Conversions.swapMax(64, 64)).isZero();
        assertThat(Conversions.swapMax(-1, 64)).isEqualTo(-1);
        assertThat(Conversions.swapMax(0, 64)).isZero();
        assertThat(Conversions.swapMax(0, -1)).isEqualTo(-1);
    }

    @Test
    void swapMaxRefusesSwapWithoutALimitOrBelowIt() {
        assertThatThrownBy(() -> Conversions.swapMax(96, 0)).isInstanceOf(CgroupException.class)
                .hasMessageContaining("linux.resources.memory.swap").hasMessageContaining("memory.limit");
        assertThatThrownBy(() -> Conversions.swapMax(32, 64)).isInstanceOf(CgroupException.class)
                .hasMessageContaining("at least memory.limit 64");
    }

    @Test
    void ioWeightMapsTheBlkioRangeOntoTheIoRange() {
        assertThat(Conversions.ioWeight(10)).isEqualTo(1);
        assertThat(Conversions.ioWeight(1000)).isEqualTo(10_000);
        assertThat(Conversions.ioWeight(500)).isEqualTo(4950);
    }

    @Test
    void pageSizesThatAreNotSizesAreRefusedBeforeTheyBecomeFileNames() {
        Conversions.checkPageSize("2MB");
        Conversions.checkPageSize("1GB");
        assertThatThrownBy(() -> Conversions.checkPageSize("2MB/../../x")).isInstanceOf(CgroupException.class)
                .hasMessageContaining("pageSize \"2MB/../../x\"");
        assertThatThrownBy(() -> Conversions.checkPageSize(null)).isInstanceOf(CgroupException.class);
    }

    @Test
    void rdmaLineUsesMaxForAnAbsentCount() {
        assertThat(Conversions.rdmaLine("mlx5_0", new RuntimeSpec.Rdma(3, null)))
                .isEqualTo("mlx5_0 hca_handle=3 hca_object=max");
    }
}
