package io.berth.ops.demo;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import io.berth.runtime.ContainerRuntime;
import io.berth.runtime.CreateOptions;
import io.berth.runtime.ExitStatus;
import io.berth.runtime.Stdio;
import io.berth.runtime.bundle.BusyboxBundle;
import io.berth.runtime.seccomp.DefaultSeccompProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;

/**
 * The demo, as far as Berth goes today: one busybox container run through Berth's embedded OCI runtime,
 * in-process, with the defaults a container gets from Berth — its own namespaces, a read-only root, a memory
 * and pids limit, a small capability set, no_new_privs and the default seccomp profile — and what the
 * container sees of them. (The full demo — dev mode, a job of three web servers — comes with the scheduler.)
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run a busybox container through Berth's embedded OCI runtime and show what it sees.")
public final class DemoCommand implements Callable<Integer> {

    private static final String SCRIPT = String.join("\n",
            "echo \"hostname:        $(hostname)\"",
            "echo \"pid of the shell: $$ (pid 1 is $(cat /proc/1/comm))\"",
            "echo \"processes:       $(ls -d /proc/[0-9]* | wc -l) visible\"",
            "echo \"user:            $(id)\"",
            "grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status | sed 's/\\t/ /'",
            "echo \"memory limit:    $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null"
                    + " || cat /sys/fs/cgroup/memory.max)\"",
            "echo \"network:         $(ls /sys/class/net | tr '\\n' ' ')\"",
            "touch /bin/x 2>/dev/null && echo 'root:            writable' || echo 'root:            read-only'",
            "cat /proc/kcore >/dev/null 2>&1 && echo '/proc/kcore:     readable' || echo '/proc/kcore:     masked'",
            "unshare -U true 2>/dev/null && echo 'new user ns:     allowed' || echo 'new user ns:     denied'");

    @Override
    public Integer call() throws Exception {
        ensureBusybox();
        Path work = Files.createTempDirectory("berth-demo-");
        String id = "berth-demo-" + UUID.randomUUID().toString().substring(0, 8);
        try (ContainerRuntime runtime = ContainerRuntime.open(ContainerRuntime.DEFAULT_STATE_ROOT)) {
            Path bundle = BusyboxBundle.create(work.resolve("bundle"), spec());
            System.out.println("berth demo: running container " + id + " (busybox, bundle " + bundle + ")");
            System.out.println();
            long started = System.nanoTime();
            runtime.create(CreateOptions.of(id, bundle, Stdio.inherit()));
            try {
                runtime.start(id);
                ExitStatus exit = runtime.exitFuture(id).get();
                long ms = (System.nanoTime() - started) / 1_000_000;
                System.out.println();
                System.out.println("berth demo: the container exited with code " + exit.exitCode() + " after "
                        + ms + " ms; deleting it (its cgroup, mounts and state go with it)");
                return exit.exitCode() == 0 ? 0 : 1;
            } finally {
                runtime.delete(id, true);
            }
        } finally {
            deleteTree(work);
        }
    }

    /** A fresh machine has no busybox: install it the way the tests do, through ops/setup-host. */
    private static void ensureBusybox() throws IOException, InterruptedException {
        if (Files.isExecutable(BusyboxBundle.HOST_BUSYBOX)) {
            return;
        }
        String home = System.getenv("BERTH_HOME");
        if (home == null) {
            throw new IllegalStateException(BusyboxBundle.HOST_BUSYBOX
                    + " is missing: install Debian's busybox-static (or run berth through ops/bin/berth)");
        }
        System.out.println("berth demo: installing busybox-static through ops/setup-host ...");
        int rc = new ProcessBuilder(home + "/ops/setup-host", "busybox-static").inheritIO().start().waitFor();
        if (rc != 0) {
            throw new IllegalStateException("ops/setup-host busybox-static failed (exit " + rc + ")");
        }
    }

    private static RuntimeSpec spec() {
        RuntimeSpec base = BusyboxBundle.defaultSpec(List.of("/bin/sh", "-c", SCRIPT));
        RuntimeSpec.Linux l = base.linux();
        RuntimeSpec.Resources resources = new RuntimeSpec.Resources(l.resources().devices(),
                new RuntimeSpec.Memory(64L << 20, null, null, null, null, null, null, null, null),
                null, new RuntimeSpec.Pids(64L), null, null, null, null, null);
        RuntimeSpec.Linux linux = new RuntimeSpec.Linux(l.uidMappings(), l.gidMappings(), l.sysctl(), resources,
                l.cgroupsPath(), l.namespaces(), l.devices(), DefaultSeccompProfile.get(), l.rootfsPropagation(),
                l.maskedPaths(), l.readonlyPaths(), l.mountLabel(), l.personality());
        return new RuntimeSpec(base.ociVersion(), base.process(), new RuntimeSpec.Root("rootfs", true),
                "berth-demo", base.domainname(), base.mounts(), base.hooks(), base.annotations(), linux);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
