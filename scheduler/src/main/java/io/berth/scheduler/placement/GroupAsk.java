package io.berth.scheduler.placement;

import io.berth.protocol.job.Affinity;
import io.berth.protocol.job.Constraint;
import io.berth.protocol.job.Job;
import io.berth.protocol.job.JobType;
import io.berth.protocol.job.Operator;
import io.berth.protocol.job.Port;
import io.berth.protocol.job.Spread;
import io.berth.protocol.job.Task;
import io.berth.protocol.job.TaskGroup;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** What one allocation of a group asks of a node, computed once per evaluation from the spec. Immutable. */
final class GroupAsk {
    final Job job;
    final TaskGroup group;
    final Capacity resources;
    final String[] staticLabels;
    final int[] staticPorts;
    final String[] dynamicLabels;
    final List<Constraint> constraints;
    final List<Affinity> affinities;
    /** Highest weight first: the first partitions the nodes, the others are scored. */
    final List<Spread> spreads;
    /** The tasks' images as {@link ImageKeys} names them, to match the images nodes hold. */
    final List<String> images;
    final boolean distinctHostsForJob;
    final boolean distinctHostsForGroup;

    GroupAsk(Job job, TaskGroup group) {
        this.job = job;
        this.group = group;
        int cpu = 0, mem = 0, disk = 0;
        List<String> staticL = new ArrayList<>(), dynamicL = new ArrayList<>(), imgs = new ArrayList<>();
        List<Integer> staticP = new ArrayList<>();
        for (Task t : group.tasks()) {
            cpu += t.resources().cpuMhz();
            mem += t.resources().memoryMb();
            disk += t.resources().diskMb();
            imgs.add(ImageKeys.of(t.image()));
            for (Port p : t.ports()) {
                if (p.dynamic()) {
                    dynamicL.add(p.label());
                } else {
                    staticL.add(p.label());
                    staticP.add(p.staticPort());
                }
            }
        }
        resources = new Capacity(cpu, mem, disk);
        staticLabels = staticL.toArray(new String[0]);
        staticPorts = staticP.stream().mapToInt(Integer::intValue).toArray();
        dynamicLabels = dynamicL.toArray(new String[0]);
        images = List.copyOf(imgs);
        List<Constraint> cs = new ArrayList<>(job.constraints());
        cs.addAll(group.constraints());
        constraints = List.copyOf(cs);
        List<Affinity> as = new ArrayList<>(job.affinities());
        as.addAll(group.affinities());
        affinities = List.copyOf(as);
        List<Spread> ss = new ArrayList<>(job.spreads());
        ss.addAll(group.spreads());
        ss.sort(Comparator.comparing(Spread::weight).reversed());
        spreads = List.copyOf(ss);
        distinctHostsForJob = job.constraints().stream().anyMatch(c -> c.operator() == Operator.DISTINCT_HOSTS);
        distinctHostsForGroup = group.constraints().stream().anyMatch(c -> c.operator() == Operator.DISTINCT_HOSTS);
    }

    /** How many feasible candidates limit-and-select scores: 2 for batch, about log2 N for the others. */
    static int limit(JobType type, int nodes) {
        if (type == JobType.BATCH) {
            return 2;
        }
        return Math.max(2, (int) Math.ceil(Math.log(Math.max(nodes, 2)) / Math.log(2)));
    }
}
