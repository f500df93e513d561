package io.berth.runtime.bundle;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import io.berth.protocol.oci.runtime.RuntimeSpecs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * An OCI bundle with a busybox userland: {@code rootfs/bin/busybox} copied from the host's
 * {@code busybox-static} package, a symlink per applet at the path busybox lists for it, the usual empty
 * directories, {@code /etc/passwd} and {@code /etc/group}, and a {@code config.json}.
 *
 * <p>Static methods, safe from any thread (two calls must not write the same directory at once). Failures
 * are {@link UncheckedIOException}s naming the path; a missing busybox says which package to install.
 */
public final class BusyboxBundle {
    /** Where Debian's busybox-static installs the binary. */
    public static final Path HOST_BUSYBOX = Path.of("/bin/busybox");

    private static volatile List<String> applets;

    private BusyboxBundle() {}

    /**
     * runc's default spec ({@link RuntimeSpecs#defaultSpec()}) adapted to run non-interactively: no terminal,
     * the given args, a writable root.
     */
    public static RuntimeSpec defaultSpec(List<String> args) {
        RuntimeSpec d = RuntimeSpecs.defaultSpec();
        RuntimeSpec.Process p = d.process();
        RuntimeSpec.Process process = new RuntimeSpec.Process(false, null, p.user(), List.copyOf(args),
                p.commandLine(), p.env(), p.cwd(), p.capabilities(), p.rlimits(), p.noNewPrivileges(),
                p.apparmorProfile(), p.oomScoreAdj(), p.selinuxLabel());
        return new RuntimeSpec(d.ociVersion(), process, new RuntimeSpec.Root("rootfs", false), d.hostname(),
                d.domainname(), d.mounts(), d.hooks(), d.annotations(), d.linux());
    }

    /** Creates the bundle at dir (created if missing) with the rootfs and spec as config.json; returns dir. */
    public static Path create(Path dir, RuntimeSpec spec) {
        Path rootfs = dir.resolve("rootfs");
        try {
            if (!Files.isRegularFile(HOST_BUSYBOX)) {
                throw new IOException(HOST_BUSYBOX + " is missing: install Debian's busybox-static (ops/setup-host)");
            }
            for (String d : List.of("bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "tmp", "root",
                    "var", "run")) {
                Files.createDirectories(rootfs.resolve(d));
            }
            Files.copy(HOST_BUSYBOX, rootfs.resolve("bin/busybox"), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.COPY_ATTRIBUTES);
            for (String applet : applets()) {
                Path link = rootfs.resolve(applet);
                if (link.equals(rootfs.resolve("bin/busybox"))) {
                    continue;
                }
                Files.createDirectories(link.getParent());
                try {
                    // relative, so the link also resolves on the host (tests, and tools that unpack rootfs)
                    Files.createSymbolicLink(link, link.getParent().relativize(rootfs.resolve("bin/busybox")));
                } catch (FileAlreadyExistsException e) {
                    // created by an earlier call on the same directory
                }
            }
            Files.writeString(rootfs.resolve("etc/passwd"),
                    "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
            Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n");
            writeConfig(dir, spec);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write busybox bundle " + dir + ": " + e.getMessage(), e);
        }
        return dir;
    }

    /** Writes (or replaces) the bundle's config.json. */
    public static void writeConfig(Path bundle, RuntimeSpec spec) {
        try {
            Files.write(bundle.resolve("config.json"), RuntimeSpecs.toJson(spec));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + bundle.resolve("config.json") + ": " + e.getMessage(), e);
        }
    }

    /** The applets' paths relative to the root ("bin/sh", "usr/bin/env"), as busybox --list-full prints them. */
    private static List<String> applets() throws IOException {
        List<String> a = applets;
        if (a == null) {
            Process p = new ProcessBuilder(HOST_BUSYBOX.toString(), "--list-full").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            try {
                if (p.waitFor() != 0) {
                    throw new IOException(HOST_BUSYBOX + " --list-full failed: " + out.trim());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted running " + HOST_BUSYBOX, e);
            }
            a = out.lines().map(String::trim).filter(s -> !s.isEmpty()).toList();
            applets = a;
        }
        return a;
    }
}
