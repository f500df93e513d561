package io.berth.protocol.oci.runtime;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads, validates and writes {@code config.json}. Validation reports every problem it finds, each with its
 * JSON path, in one {@link InvalidSpecException}. Unknown properties are ignored, as the spec requires.
 * Thread-safe.
 */
public final class RuntimeSpecs {
    /** The runtime-spec version Berth writes. */
    public static final String OCI_VERSION = "1.2.1";

    /** Jackson for OCI runtime documents: lenient on unknown properties, strict on types. */
    public static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private RuntimeSpecs() {}

    /**
     * Parses and validates a bundle's {@code config.json}.
     *
     * @throws InvalidSpecException if the file is missing, is not JSON, has a value of the wrong type, or
     *     fails validation; the message names the file and the JSON path
     */
    public static RuntimeSpec parse(Path configJson) {
        String source = configJson.toString();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(configJson);
        } catch (NoSuchFileException e) {
            throw new InvalidSpecException(source, List.of("no such file: is the bundle path right?"));
        } catch (IOException e) {
            throw new InvalidSpecException(source, List.of("cannot read: " + e.getMessage()));
        }
        return parse(source, bytes);
    }

    /** Parses and validates {@code config.json} bytes; {@code source} names them in errors. */
    public static RuntimeSpec parse(String source, byte[] json) {
        RuntimeSpec spec;
        try {
            spec = JSON.readValue(json, RuntimeSpec.class);
        } catch (JsonMappingException e) {
            throw new InvalidSpecException(source, List.of(jsonPath(e) + ": " + e.getOriginalMessage() + at(e)));
        } catch (JsonProcessingException e) {
            throw new InvalidSpecException(source, List.of("$: not valid JSON: " + e.getOriginalMessage() + at(e)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (spec == null) {
            throw new InvalidSpecException(source, List.of("$: the document is empty"));
        }
        List<String> errors = validate(spec);
        if (!errors.isEmpty()) {
            throw new InvalidSpecException(source, errors);
        }
        return spec;
    }

    /** Writes a spec as indented JSON. */
    public static byte[] toJson(Object document) {
        try {
            return JSON.writeValueAsBytes(document);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialise " + document.getClass().getSimpleName(), e);
        }
    }

    /** The JSON path of a mapping error, as {@code $.a.b[2].c}. */
    static String jsonPath(JsonMappingException e) {
        StringBuilder path = new StringBuilder("$");
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                path.append('.').append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String at(JsonProcessingException e) {
        JsonLocation loc = e.getLocation();
        return loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }

    /**
     * Every problem in a parsed spec, each as "JSON path: problem"; empty when the spec can be run. Checks
     * what Berth needs to create a container on Linux: a root and a process, valid names for namespaces,
     * capabilities, rlimits, devices, propagation, seccomp actions and operators, absolute paths.
     */
    public static List<String> validate(RuntimeSpec spec) {
        List<String> errors = new ArrayList<>();
        if (spec.ociVersion() == null || spec.ociVersion().isBlank()) {
            errors.add("$.ociVersion: required (for example \"" + OCI_VERSION + "\")");
        } else if (!spec.ociVersion().startsWith("1.")) {
            errors.add("$.ociVersion: '" + spec.ociVersion() + "' is not supported: Berth implements 1.x");
        }
        if (spec.root() == null || spec.root().path() == null || spec.root().path().isBlank()) {
            errors.add("$.root.path: required: the container's root filesystem, relative to the bundle");
        }
        validateProcess(spec.process(), "$.process", errors);
        if (spec.mounts() != null) {
            for (int i = 0; i < spec.mounts().size(); i++) {
                RuntimeSpec.Mount m = spec.mounts().get(i);
                String at = "$.mounts[" + i + "]";
                if (m == null) {
                    errors.add(at + ": must not be null");
                    continue;
                }
                requireAbsolute(m.destination(), at + ".destination", errors);
                if (m.options() != null && m.options().stream().anyMatch(o -> o == null)) {
                    errors.add(at + ".options: must not contain null");
                }
            }
        }
        validateHooks(spec.hooks(), errors);
        validateLinux(spec, errors);
        return errors;
    }

    /** Validates a process, as in {@code config.json} or a {@code process.json} given to exec. */
    public static List<String> validateProcess(RuntimeSpec.Process p, String at) {
        List<String> errors = new ArrayList<>();
        validateProcess(p, at, errors);
        return errors;
    }

    private static void validateProcess(RuntimeSpec.Process p, String at, List<String> errors) {
        if (p == null) {
            errors.add(at + ": required: the process to run");
            return;
        }
        if (p.args() == null || p.args().isEmpty()) {
            errors.add(at + ".args: must not be empty: give the program to run");
        } else if (p.args().get(0) == null || p.args().get(0).isEmpty()) {
            errors.add(at + ".args[0]: must name the program to run");
        }
        if (p.cwd() == null || !p.cwd().startsWith("/")) {
            errors.add(at + ".cwd: must be an absolute path, was " + quote(p.cwd()));
        }
        if (p.user() == null || p.user().uid() == null || p.user().gid() == null) {
            errors.add(at + ".user: uid and gid are required");
        }
        if (p.env() != null) {
            for (int i = 0; i < p.env().size(); i++) {
                String e = p.env().get(i);
                if (e == null || e.indexOf('=') <= 0) {
                    errors.add(at + ".env[" + i + "]: must be NAME=value, was " + quote(e));
                }
            }
        }
        if (p.capabilities() != null) {
            RuntimeSpec.Capabilities c = p.capabilities();
            checkCaps(c.bounding(), at + ".capabilities.bounding", errors);
            checkCaps(c.effective(), at + ".capabilities.effective", errors);
            checkCaps(c.inheritable(), at + ".capabilities.inheritable", errors);
            checkCaps(c.permitted(), at + ".capabilities.permitted", errors);
            checkCaps(c.ambient(), at + ".capabilities.ambient", errors);
        }
        if (p.rlimits() != null) {
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < p.rlimits().size(); i++) {
                RuntimeSpec.Rlimit r = p.rlimits().get(i);
                String rat = at + ".rlimits[" + i + "]";
                if (r == null || r.type() == null || !LinuxNames.RLIMITS.contains(r.type())) {
                    errors.add(rat + ".type: unknown rlimit " + quote(r == null ? null : r.type())
                            + " (expected one of RLIMIT_CPU ... RLIMIT_RTTIME)");
                    continue;
                }
                if (!seen.add(r.type())) {
                    errors.add(rat + ".type: duplicate rlimit '" + r.type() + "'");
                }
                if (r.hard() == null || r.soft() == null) {
                    errors.add(rat + ": hard and soft are required");
                } else if (Long.compareUnsigned(r.soft(), r.hard()) > 0) {
                    errors.add(rat + ": soft " + Long.toUnsignedString(r.soft()) + " exceeds hard "
                            + Long.toUnsignedString(r.hard()));
                }
            }
        }
        if (p.oomScoreAdj() != null && (p.oomScoreAdj() < -1000 || p.oomScoreAdj() > 1000)) {
            errors.add(at + ".oomScoreAdj: must be between -1000 and 1000, was " + p.oomScoreAdj());
        }
    }

    private static void checkCaps(List<String> caps, String at, List<String> errors) {
        if (caps == null) {
            return;
        }
        for (int i = 0; i < caps.size(); i++) {
            if (!LinuxNames.CAPABILITIES.contains(caps.get(i))) {
                errors.add(at + "[" + i + "]: unknown capability " + quote(caps.get(i)));
            }
        }
    }

    private static void validateHooks(RuntimeSpec.Hooks hooks, List<String> errors) {
        if (hooks == null) {
            return;
        }
        Map<String, List<RuntimeSpec.Hook>> all = new java.util.LinkedHashMap<>();
        all.put("prestart", hooks.prestart());
        all.put("createRuntime", hooks.createRuntime());
        all.put("createContainer", hooks.createContainer());
        all.put("startContainer", hooks.startContainer());
        all.put("poststart", hooks.poststart());
        all.put("poststop", hooks.poststop());
        all.forEach((kind, list) -> {
            if (list == null) {
                return;
            }
            for (int i = 0; i < list.size(); i++) {
                RuntimeSpec.Hook h = list.get(i);
                String at = "$.hooks." + kind + "[" + i + "]";
                if (h == null) {
                    errors.add(at + ": must not be null");
                    continue;
                }
                requireAbsolute(h.path(), at + ".path", errors);
                if (h.timeout() != null && h.timeout() <= 0) {
                    errors.add(at + ".timeout: must be a positive number of seconds, was " + h.timeout());
                }
            }
        });
    }

    private static void validateLinux(RuntimeSpec spec, List<String> errors) {
        RuntimeSpec.Linux linux = spec.linux();
        Set<String> types = new HashSet<>();
        if (linux != null && linux.namespaces() != null) {
            for (int i = 0; i < linux.namespaces().size(); i++) {
                RuntimeSpec.Namespace ns = linux.namespaces().get(i);
                String at = "$.linux.namespaces[" + i + "]";
                if (ns == null || ns.type() == null || !LinuxNames.NAMESPACES.contains(ns.type())) {
                    errors.add(at + ".type: unknown namespace " + quote(ns == null ? null : ns.type())
                            + " (expected one of " + String.join(", ", new java.util.TreeSet<>(LinuxNames.NAMESPACES)) + ")");
                    continue;
                }
                if (!types.add(ns.type())) {
                    errors.add(at + ".type: duplicate namespace '" + ns.type() + "'");
                }
                if (ns.path() != null) {
                    requireAbsolute(ns.path(), at + ".path", errors);
                }
            }
        }
        if (spec.hostname() != null && !spec.hostname().isEmpty() && !types.contains("uts")) {
            errors.add("$.hostname: setting a hostname needs a uts namespace in $.linux.namespaces");
        }
        if (spec.domainname() != null && !spec.domainname().isEmpty() && !types.contains("uts")) {
            errors.add("$.domainname: setting a domainname needs a uts namespace in $.linux.namespaces");
        }
        if (linux == null) {
            return;
        }
        boolean hasMappings = (linux.uidMappings() != null && !linux.uidMappings().isEmpty())
                || (linux.gidMappings() != null && !linux.gidMappings().isEmpty());
        if (hasMappings && !types.contains("user")) {
            errors.add("$.linux.uidMappings: id mappings need a user namespace in $.linux.namespaces");
        }
        if (linux.devices() != null) {
            for (int i = 0; i < linux.devices().size(); i++) {
                RuntimeSpec.Device d = linux.devices().get(i);
                String at = "$.linux.devices[" + i + "]";
                if (d == null) {
                    errors.add(at + ": must not be null");
                    continue;
                }
                requireAbsolute(d.path(), at + ".path", errors);
                if (d.type() == null || !Set.of("c", "b", "u", "p").contains(d.type())) {
                    errors.add(at + ".type: must be c, b, u or p, was " + quote(d.type()));
                } else if (!d.type().equals("p") && (d.major() == null || d.minor() == null)) {
                    errors.add(at + ": major and minor are required for a '" + d.type() + "' device");
                }
            }
        }
        if (linux.rootfsPropagation() != null && !linux.rootfsPropagation().isEmpty()
                && !LinuxNames.PROPAGATIONS.contains(linux.rootfsPropagation())) {
            errors.add("$.linux.rootfsPropagation: must be shared, slave, private or unbindable, was "
                    + quote(linux.rootfsPropagation()));
        }
        checkAbsoluteList(linux.maskedPaths(), "$.linux.maskedPaths", errors);
        checkAbsoluteList(linux.readonlyPaths(), "$.linux.readonlyPaths", errors);
        if (linux.sysctl() != null) {
            linux.sysctl().forEach((k, v) -> {
                if (k.isBlank() || k.contains("..") || k.startsWith("/") || v == null) {
                    errors.add("$.linux.sysctl['" + k + "']: not a valid sysctl name and value");
                }
            });
        }
        validateResources(linux.resources(), errors);
        validateSeccomp(linux.seccomp(), errors);
    }

    private static void validateResources(RuntimeSpec.Resources r, List<String> errors) {
        if (r == null) {
            return;
        }
        if (r.devices() != null) {
            for (int i = 0; i < r.devices().size(); i++) {
                RuntimeSpec.DeviceRule d = r.devices().get(i);
                String at = "$.linux.resources.devices[" + i + "]";
                if (d == null || d.allow() == null) {
                    errors.add(at + ".allow: required");
                    continue;
                }
                if (d.type() != null && !Set.of("a", "c", "b").contains(d.type())) {
                    errors.add(at + ".type: must be a, c or b, was " + quote(d.type()));
                }
                if (d.access() != null && !d.access().matches("[rwm]*")) {
                    errors.add(at + ".access: must be made of r, w and m, was " + quote(d.access()));
                }
            }
        }
        if (r.memory() != null) {
            RuntimeSpec.Memory m = r.memory();
            if (m.limit() != null && m.limit() < -1) {
                errors.add("$.linux.resources.memory.limit: must be -1 (unlimited) or a number of bytes");
            }
            if (m.swap() != null && m.limit() != null && m.swap() != -1 && m.limit() != -1 && m.swap() < m.limit()) {
                errors.add("$.linux.resources.memory.swap: memory+swap " + m.swap()
                        + " is below the memory limit " + m.limit());
            }
            if (m.swappiness() != null && Long.compareUnsigned(m.swappiness(), 100) > 0) {
                errors.add("$.linux.resources.memory.swappiness: must be between 0 and 100");
            }
        }
        if (r.pids() != null && r.pids().limit() != null && r.pids().limit() < -1) {
            errors.add("$.linux.resources.pids.limit: must be -1, 0 (unlimited) or a positive count");
        }
        if (r.cpu() != null && r.cpu().cpus() != null && !r.cpu().cpus().matches("[0-9,\\-]*")) {
            errors.add("$.linux.resources.cpu.cpus: must be a cpu list such as 0-2,4, was " + quote(r.cpu().cpus()));
        }
        if (r.cpu() != null && r.cpu().mems() != null && !r.cpu().mems().matches("[0-9,\\-]*")) {
            errors.add("$.linux.resources.cpu.mems: must be a node list such as 0-1, was " + quote(r.cpu().mems()));
        }
    }

    private static final Set<String> SECCOMP_ACTIONS = Set.of("SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
            "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",
            "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY");
    private static final Set<String> SECCOMP_OPS = Set.of("SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",
            "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ");

    private static void validateSeccomp(RuntimeSpec.Seccomp s, List<String> errors) {
        if (s == null) {
            return;
        }
        if (s.defaultAction() == null || !SECCOMP_ACTIONS.contains(s.defaultAction())) {
            errors.add("$.linux.seccomp.defaultAction: unknown action " + quote(s.defaultAction()));
        }
        if (s.syscalls() == null) {
            return;
        }
        for (int i = 0; i < s.syscalls().size(); i++) {
            RuntimeSpec.Syscall sc = s.syscalls().get(i);
            String at = "$.linux.seccomp.syscalls[" + i + "]";
            if (sc == null) {
                errors.add(at + ": must not be null");
                continue;
            }
            if (sc.names() == null || sc.names().isEmpty()) {
                errors.add(at + ".names: must name at least one syscall");
            }
            if (sc.action() == null || !SECCOMP_ACTIONS.contains(sc.action())) {
                errors.add(at + ".action: unknown action " + quote(sc.action()));
            }
            if (sc.args() != null) {
                for (int j = 0; j < sc.args().size(); j++) {
                    RuntimeSpec.SeccompArg a = sc.args().get(j);
                    String aat = at + ".args[" + j + "]";
                    if (a == null || a.index() == null || a.index() < 0 || a.index() > 5) {
                        errors.add(aat + ".index: must be 0 to 5");
                    }
                    if (a == null || a.op() == null || !SECCOMP_OPS.contains(a.op())) {
                        errors.add(aat + ".op: unknown operator " + quote(a == null ? null : a.op()));
                    }
                }
            }
        }
    }

    private static void checkAbsoluteList(List<String> paths, String at, List<String> errors) {
        if (paths == null) {
            return;
        }
        for (int i = 0; i < paths.size(); i++) {
            requireAbsolute(paths.get(i), at + "[" + i + "]", errors);
        }
    }

    private static void requireAbsolute(String path, String at, List<String> errors) {
        if (path == null || !path.startsWith("/")) {
            errors.add(at + ": must be an absolute path, was " + quote(path));
        }
    }

    private static String quote(String s) {
        return s == null ? "missing" : "'" + s + "'";
    }

    /** The spec {@code berth-runtime spec} writes: runc's defaults, with Berth's hostname. */
    public static RuntimeSpec defaultSpec() {
        List<String> caps = List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
        RuntimeSpec.Process process = new RuntimeSpec.Process(
                true, null, new RuntimeSpec.User(0L, 0L, null, null, null), List.of("sh"), null,
                List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"),
                "/", new RuntimeSpec.Capabilities(caps, caps, null, caps, null),
                List.of(new RuntimeSpec.Rlimit("RLIMIT_NOFILE", 1024L, 1024L)), true, null, null, null);
        List<RuntimeSpec.Mount> mounts = List.of(
                mount("/proc", "proc", "proc"),
                mount("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"),
                mount("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666",
                        "mode=0620", "gid=5"),
                mount("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k"),
                mount("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"),
                mount("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro"),
                mount("/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", "ro"));
        RuntimeSpec.Linux linux = new RuntimeSpec.Linux(null, null, null,
                new RuntimeSpec.Resources(List.of(new RuntimeSpec.DeviceRule(false, null, null, null, "rwm")),
                        null, null, null, null, null, null, null, null),
                null,
                List.of(ns("pid"), ns("network"), ns("ipc"), ns("uts"), ns("mount"), ns("cgroup")),
                null, null, null,
                List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
                        "/proc/scsi", "/sys/devices/virtual/powercap"),
                List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"),
                null, null);
        return new RuntimeSpec(OCI_VERSION, process, new RuntimeSpec.Root("rootfs", true), "berth", null,
                mounts, null, null, linux);
    }

    private static RuntimeSpec.Mount mount(String destination, String type, String source, String... options) {
        return new RuntimeSpec.Mount(destination, type, source, options.length == 0 ? null : List.of(options),
                null, null);
    }

    private static RuntimeSpec.Namespace ns(String type) {
        return new RuntimeSpec.Namespace(type, null);
    }
}
