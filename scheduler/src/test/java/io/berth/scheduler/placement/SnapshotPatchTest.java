package io.berth.scheduler.placement;

import static io.berth.scheduler.placement.Fixtures.alloc;
import static io.berth.scheduler.placement.Fixtures.node;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ClusterSnapshot#withAllocations}: the same snapshot as one built from scratch, the original untouched. */
class SnapshotPatchTest {
    @Test
    void patchingEqualsRebuilding() {
        List<Node> nodes = List.of(node("a", 1000, 1000), node("b", 1000, 1000));
        Allocation x = alloc("x", "j", "a", 50, 100, 100, 8080);
        Allocation y = alloc("y", "j", "b", 50, 200, 200);
        Allocation z = alloc("z", "k", "a", 50, 300, 300, 9090);
        ClusterSnapshot before = ClusterSnapshot.of(nodes, List.of(x, y));

        Allocation xFailed = x.with(Allocation.Status.FAILED, false);
        ClusterSnapshot after = before.withAllocations(List.of(xFailed, z), List.of(y));
        ClusterSnapshot rebuilt = ClusterSnapshot.of(nodes, List.of(xFailed, z));

        for (int i = 0; i < nodes.size(); i++) {
            assertThat(after.free(i)).isEqualTo(rebuilt.free(i));
            assertThat(after.allocationsOn(i)).containsExactlyInAnyOrderElementsOf(rebuilt.allocationsOn(i));
        }
        assertThat(after.free(0)).isEqualTo(new Capacity(700, 700, 100_000));
        assertThat(after.portInUse(0, 8080)).isFalse(); // x failed: its port is free again
        assertThat(after.portInUse(0, 9090)).isTrue();
        assertThat(after.allocationsOf("j")).containsExactly(xFailed);
        assertThat(after.allocationsOf("k")).containsExactly(z);
        // the original is unchanged
        assertThat(before.allocationsOf("j")).containsExactlyInAnyOrder(x, y);
        assertThat(before.portInUse(0, 8080)).isTrue();
    }
}
