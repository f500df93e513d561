package io.berth.protocol.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.protocol.job.JobType;
import io.berth.protocol.job.Task;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An assignment carries a group's tasks, checked when it is made, and the scheduler's placement facts. */
class AssignAllocationTest {

    private static Task task(String name) {
        return new Task(name, "busybox:1.36", List.of("sleep", "1000"), null, null, null, null, null, null, null, null,
                null, null, null);
    }

    private static AssignAllocation assign(List<Task> tasks) {
        return new AssignAllocation("a1", "web", 2, JobType.SERVICE, "frontend", tasks, Map.of(), AllocationPlacement.NONE, null);
    }

    @Test
    void keepsEveryTaskOfTheGroupInOrder() {
        List<Task> tasks = new ArrayList<>(List.of(task("web"), task("log")));
        AssignAllocation a = assign(tasks);
        tasks.clear();
        assertThat(a.tasks()).extracting(Task::name).containsExactly("web", "log");
    }

    @Test
    void refusesAnEmptyTaskList() {
        assertThatThrownBy(() -> assign(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("assign a1: tasks: empty; an allocation runs at least one task of group 'frontend'");
        assertThatThrownBy(() -> assign(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tasks: empty");
    }

    @Test
    void refusesTwoTasksOfOneName() {
        assertThatThrownBy(() -> assign(List.of(task("web"), task("log"), task("web"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("assign a1: tasks[2].name: 'web' repeats an earlier task's name; task names must be"
                        + " unique within group 'frontend'");
    }

    @Test
    void refusesANullTask() {
        List<Task> tasks = new ArrayList<>();
        tasks.add(task("web"));
        tasks.add(null);
        assertThatThrownBy(() -> assign(tasks)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("assign a1: tasks[1]: null");
    }

    @Test
    void needsAPlacementEvenWhenThereIsNone() {
        assertThatThrownBy(() -> new AssignAllocation("a1", "web", 2, JobType.SERVICE, "frontend", List.of(task("web")), Map.of(),
                null, null)).isInstanceOf(NullPointerException.class).hasMessageContaining("AllocationPlacement.NONE");
    }

    @Test
    void placementChecksItsIndexAndRescheduleTimes() {
        assertThat(AllocationPlacement.NONE.known()).isFalse();
        AllocationPlacement p = new AllocationPlacement(0, true, "d1", null, List.of(Instant.EPOCH));
        assertThat(p.known()).isTrue();
        assertThatThrownBy(() -> new AllocationPlacement(-2, false, null, null, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("placement.index: -2 is negative");
        assertThatThrownBy(() -> new AllocationPlacement(0, false, null, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("placement.rescheduled_at: missing");
        List<Instant> withNull = new ArrayList<>();
        withNull.add(null);
        assertThatThrownBy(() -> new AllocationPlacement(0, false, null, null, withNull))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("placement.rescheduled_at[0]: null");
    }

    @Test
    void reportsNeedAPlacementToo() {
        assertThatThrownBy(() -> new AllocationReport("a1", "web", 2, "frontend", AllocationState.RUNNING, null, "",
                Map.of(), null)).isInstanceOf(NullPointerException.class);
    }
}
