package io.berth.runtime.cli;

import io.berth.protocol.oci.runtime.LinuxNames;
import io.berth.protocol.oci.runtime.RuntimeSpecs;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * {@code features}: what this runtime implements, in the runtime-spec's features document (as
 * {@code runc features} prints it), so that a caller such as containerd can check before it asks.
 */
@Command(name = "features", description = "Print the features this runtime implements, as JSON.")
final class FeaturesCommand implements Callable<Integer> {
    /** mount(2) flags and propagation types config.json's mount options may name. */
    static final List<String> MOUNT_OPTIONS = List.of("async", "atime", "bind", "defaults", "dev", "diratime",
            "dirsync", "exec", "mand", "noatime", "nodev", "nodiratime", "noexec", "nomand", "norelatime",
            "nostrictatime", "nosuid", "private", "rbind", "relatime", "remount", "ro", "rprivate", "rshared",
            "rslave", "runbindable", "rw", "shared", "slave", "strictatime", "suid", "sync", "unbindable");
    static final List<String> HOOKS = List.of("prestart", "createRuntime", "createContainer", "startContainer",
            "poststart", "poststop");
    /** A user namespace is new only (none joined by path) and owns none of the others (see io.berth.runtime.Plans). */
    static final List<String> NAMESPACES = List.of("cgroup", "ipc", "mount", "network", "pid", "user", "uts");
    static final List<String> SECCOMP_ACTIONS = List.of("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",
            "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP");
    static final List<String> SECCOMP_OPERATORS = List.of("SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
            "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE");
    static final List<String> SECCOMP_ARCHS = List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_RISCV64",
            "SCMP_ARCH_X32", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64");

    @ParentCommand
    RuntimeCli cli;

    @Override
    public Integer call() {
        Map<String, Object> linux = new LinkedHashMap<>();
        linux.put("namespaces", NAMESPACES);
        linux.put("capabilities", LinuxNames.CAPABILITIES);
        linux.put("cgroup", Map.of("v1", true, "v2", true, "systemd", false, "systemdUser", false, "rdma", false));
        linux.put("seccomp", Map.of("enabled", true, "actions", SECCOMP_ACTIONS, "operators", SECCOMP_OPERATORS,
                "archs", SECCOMP_ARCHS, "knownFlags", List.of(), "supportedFlags", List.of()));
        linux.put("apparmor", Map.of("enabled", false));
        linux.put("selinux", Map.of("enabled", false));
        linux.put("intelRdt", Map.of("enabled", false));
        Map<String, Object> features = new LinkedHashMap<>();
        features.put("ociVersionMin", "1.0.0");
        features.put("ociVersionMax", RuntimeSpecs.OCI_VERSION);
        features.put("hooks", HOOKS);
        features.put("mountOptions", MOUNT_OPTIONS);
        features.put("linux", linux);
        features.put("annotations", Map.of("io.berth.runtime.checkpoint.enabled", "false"));
        cli.out().println(new String(RuntimeSpecs.toJson(features), StandardCharsets.UTF_8));
        cli.out().flush();
        return 0;
    }
}
