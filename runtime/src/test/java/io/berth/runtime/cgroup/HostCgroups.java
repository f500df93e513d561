package io.berth.runtime.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** This machine's real cgroup hierarchies, and the processes tests put into them. */
final class HostCgroups implements AutoCloseable {
    /** The absolute parent every test cgroup lives under, removed again by {@link #close()}. */
    static final String PARENT = "berth-cgroup-test";

    private final List<Process> processes = new ArrayList<>();
    private final List<ContainerCgroup> cgroups = new ArrayList<>();

    static String mountinfo() {
        return read("/proc/self/mountinfo");
    }

    static String procSelfCgroup() {
        return read("/proc/self/cgroup");
    }

    /** The v1 hierarchies of this host; fails (never skips) on a host without them. */
    static CgroupsV1 v1() {
        List<CgroupHost.Hierarchy> hierarchies = CgroupHost.v1Hierarchies(mountinfo(), procSelfCgroup());
        assertThat(hierarchies).as("cgroup v1 hierarchies on this host (the tests need a v1 or hybrid host)")
                .isNotEmpty();
        return new CgroupsV1(hierarchies);
    }

    /**
     * A real disk of this host as {major, minor, scheduler}: the first in /sys/block that is not a loop, ram
     * or zram device and has a size.
     */
    static String[] disk() {
        try (var disks = Files.list(Path.of("/sys/block"))) {
            Path disk = disks.sorted()
                    .filter(d -> !d.getFileName().toString().matches("(loop|ram|zram).*"))
                    .filter(d -> !read(d.resolve("size")).equals("0"))
                    .findFirst().orElseThrow(() -> new AssertionError("no disk in /sys/block"));
            String[] majorMinor = read(disk.resolve("dev")).split(":");
            String scheduler = read(disk.resolve("queue/scheduler"));
            String active = scheduler.contains("[") ? scheduler.substring(scheduler.indexOf('[') + 1,
                    scheduler.indexOf(']')) : scheduler;
            return new String[] {majorMinor[0], majorMinor[1], active};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String newId() {
        return "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** A process that waits for a line on stdin before it runs {@code script}, so it can join a cgroup first. */
    Process startWaiting(String script) {
        return start("sh", "-c", "read go; " + script);
    }

    Process start(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            processes.add(p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void go(Process p) {
        try {
            p.getOutputStream().write('\n');
            p.getOutputStream().flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String output(Process p) {
        try {
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("process finished").isTrue();
            return new String(p.getInputStream().readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Remembers a cgroup so {@link #close()} destroys it even when the test failed halfway. */
    <T extends ContainerCgroup> T track(T cgroup) {
        cgroups.add(cgroup);
        return cgroup;
    }

    static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(String file) {
        return read(Path.of(file));
    }

    @Override
    public void close() {
        for (ContainerCgroup c : cgroups) {
            c.destroy();
        }
        for (Process p : processes) {
            p.destroyForcibly();
        }
    }

    /** Removes the shared test parent from every hierarchy once no test cgroup is left in it. */
    static void removeParent(List<Path> mountPoints) {
        for (Path m : mountPoints) {
            CgroupFiles.rmdir(m.resolve(PARENT));
        }
    }
}
