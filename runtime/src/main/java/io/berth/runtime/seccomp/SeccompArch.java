package io.berth.runtime.seccomp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The system-call ABIs a filter can tell apart, each with its {@code AUDIT_ARCH_*} token (what the kernel puts in
 * {@code seccomp_data.arch}) and its system-call numbers, read from {@code syscalls-<name>.txt} beside this class
 * (generated from kernel headers by {@code runtime/src/tools/gen-syscall-tables}). All are little-endian.
 */
enum SeccompArch {
    X86_64("SCMP_ARCH_X86_64", "x86_64", 0xC000003E, true),
    X86("SCMP_ARCH_X86", "x86", 0x40000003, false),
    /** Shares x86_64's audit token; its numbers carry {@link #X32_SYSCALL_BIT}. Its arguments are 64-bit registers. */
    X32("SCMP_ARCH_X32", "x32", 0xC000003E, true),
    AARCH64("SCMP_ARCH_AARCH64", "aarch64", 0xC00000B7, true),
    ARM("SCMP_ARCH_ARM", "arm", 0x40000028, false),
    RISCV64("SCMP_ARCH_RISCV64", "riscv64", 0xC00000F3, true);

    static final int X32_SYSCALL_BIT = 0x40000000;

    final String scmpName;
    final int auditArch;
    /** Whether the kernel hands the filter 64-bit arguments; a 32-bit ABI's arguments are zero-extended. */
    final boolean args64;
    private final String table;
    private volatile Map<String, Integer> numbers;

    SeccompArch(String scmpName, String table, int auditArch, boolean args64) {
        this.scmpName = scmpName;
        this.table = table;
        this.auditArch = auditArch;
        this.args64 = args64;
    }

    static Optional<SeccompArch> byScmpName(String name) {
        for (SeccompArch a : values()) {
            if (a.scmpName.equals(name)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /** The ABI of this JVM's processes, which libseccomp always puts into a filter ("native"). */
    static SeccompArch nativeArch() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        switch (arch) {
            case "amd64":
            case "x86_64":
                return X86_64;
            case "aarch64":
            case "arm64":
                return AARCH64;
            case "riscv64":
                return RISCV64;
            default:
                throw new IllegalStateException("seccomp: Berth has no system call table for the host architecture " + arch);
        }
    }

    /** The number of {@code name} on this ABI, if it has that call. */
    Optional<Integer> number(String name) {
        return Optional.ofNullable(numbers().get(name));
    }

    Map<String, Integer> numbers() {
        Map<String, Integer> n = numbers;
        if (n == null) {
            n = load();
            numbers = n;
        }
        return n;
    }

    private Map<String, Integer> load() {
        String resource = "syscalls-" + table + ".txt";
        Map<String, Integer> map = new HashMap<>();
        try (InputStream in = SeccompArch.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("seccomp: missing resource " + resource + " in the runtime jar");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int eq = line.indexOf('=');
                map.put(line.substring(0, eq), Integer.parseInt(line.substring(eq + 1)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("seccomp: cannot read " + resource, e);
        }
        return Collections.unmodifiableMap(map);
    }
}
