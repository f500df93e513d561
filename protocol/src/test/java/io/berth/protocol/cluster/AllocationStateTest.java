package io.berth.protocol.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AllocationStateTest {

    @Test
    void aCrashAndRestartIsLegal() {
        AllocationState s = AllocationState.PENDING;
        for (AllocationState next : new AllocationState[] {AllocationState.PULLING, AllocationState.STARTING,
                AllocationState.RUNNING, AllocationState.UNHEALTHY, AllocationState.EXITED, AllocationState.STARTING,
                AllocationState.RUNNING, AllocationState.OOM_KILLED, AllocationState.FAILED}) {
            s = s.checkTransition("a1", next);
        }
        assertThat(s.terminal()).isTrue();
    }

    @Test
    void illegalTransitionsNameTheAllocationAndBothStates() {
        assertThatThrownBy(() -> AllocationState.STOPPED.checkTransition("a1", AllocationState.RUNNING))
                .isInstanceOf(IllegalStateException.class).hasMessage("allocation a1: illegal transition STOPPED -> RUNNING");
        assertThatThrownBy(() -> AllocationState.STARTING.checkTransition("a1", AllocationState.UNHEALTHY))
                .hasMessage("allocation a1: illegal transition STARTING -> UNHEALTHY");
        assertThatThrownBy(() -> AllocationState.PENDING.checkTransition("a1", AllocationState.RUNNING))
                .hasMessage("allocation a1: illegal transition PENDING -> RUNNING");
    }
}
