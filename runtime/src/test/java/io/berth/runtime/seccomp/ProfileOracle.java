package io.berth.runtime.seccomp;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Evaluates a profile directly, the way the compiler's documentation says a filter must decide, without any of
 * the compiler's code: the reference the compiled filters are checked against.
 */
final class ProfileOracle {
    private ProfileOracle() {}

    static int evaluate(RuntimeSpec.Seccomp profile, SeccompArch nativeArch, int auditArch, int nr, long[] args) {
        Set<SeccompArch> inFilter = new LinkedHashSet<>();
        inFilter.add(nativeArch);
        if (profile.architectures() != null) {
            for (String name : profile.architectures()) {
                SeccompArch.byScmpName(name).ifPresent(inFilter::add);
            }
        }
        SeccompArch abi = null;
        for (SeccompArch arch : SeccompArch.values()) {
            if (arch.auditArch != auditArch) {
                continue;
            }
            boolean x32Number = Integer.toUnsignedLong(nr) >= 0x40000000L && nr != -1;
            if (arch == SeccompArch.X32 && !x32Number || arch == SeccompArch.X86_64 && x32Number) {
                continue;
            }
            abi = arch;
        }
        if (abi == null || !inFilter.contains(abi)) {
            return 0; // KILL_THREAD
        }
        Set<String> names = new HashSet<>();
        for (Map.Entry<String, Integer> e : abi.numbers().entrySet()) {
            if (e.getValue() == nr) {
                names.add(e.getKey());
            }
        }
        if (profile.syscalls() != null) {
            for (RuntimeSpec.Syscall rule : profile.syscalls()) {
                boolean direct = rule.names().stream().anyMatch(names::contains) && matches(rule.args(), abi, args);
                if (direct || abi == SeccompArch.X86 && multiplexedMatch(rule, nr, args[0] & 0xFFFFFFFFL)) {
                    return action(rule.action(), rule.errnoRet());
                }
            }
        }
        int defaultAction = action(profile.defaultAction(), profile.defaultErrnoRet());
        boolean permissive = defaultAction == 0x7fff0000 || defaultAction == 0x7ffc0000
                || (defaultAction & 0xFFFF0000) == 0x7ff00000;
        if (!permissive && profile.syscalls() != null) {
            // runc's rule: a call numbered above every call the profile names for this ABI is newer than it.
            long last = -1;
            for (RuntimeSpec.Syscall rule : profile.syscalls()) {
                for (String name : rule.names()) {
                    Integer n = abi.numbers().get(name);
                    if (n != null) {
                        last = Math.max(last, n);
                    }
                    if (abi == SeccompArch.X86 && multiplexer(name) > 0 && unconditional(rule)) {
                        last = Math.max(last, multiplexer(name));
                    }
                }
            }
            if (last >= 0 && Integer.toUnsignedLong(nr) > last) {
                return 0x00050000 | 38;
            }
        }
        return defaultAction;
    }

    private static final List<String> SOCKET_CALLS = List.of("socket", "bind", "connect", "listen", "accept",
            "getsockname", "getpeername", "socketpair", "send", "recv", "sendto", "recvfrom", "shutdown", "setsockopt",
            "getsockopt", "sendmsg", "recvmsg", "accept4", "recvmmsg", "sendmmsg");
    private static final Map<String, Integer> IPC_CALLS = Map.ofEntries(Map.entry("semop", 1), Map.entry("semget", 2),
            Map.entry("semctl", 3), Map.entry("semtimedop", 4), Map.entry("msgsnd", 11), Map.entry("msgrcv", 12),
            Map.entry("msgget", 13), Map.entry("msgctl", 14), Map.entry("shmat", 21), Map.entry("shmdt", 22),
            Map.entry("shmget", 23), Map.entry("shmctl", 24));

    /** i386's socketcall(2) is 102, ipc(2) 117; 0 when the call is not multiplexed. */
    private static int multiplexer(String name) {
        return SOCKET_CALLS.contains(name) ? 102 : IPC_CALLS.containsKey(name) ? 117 : 0;
    }

    /** An unconditional rule for a multiplexed call also decides that call made through its multiplexer. */
    private static boolean multiplexedMatch(RuntimeSpec.Syscall rule, int nr, long call) {
        if (!unconditional(rule)) {
            return false;
        }
        for (String name : rule.names()) {
            if (nr == 102 && multiplexer(name) == 102 && call == SOCKET_CALLS.indexOf(name) + 1) {
                return true;
            }
            if (nr == 117 && multiplexer(name) == 117 && (call & 0xFFFF) == IPC_CALLS.get(name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean unconditional(RuntimeSpec.Syscall rule) {
        return rule.args() == null || rule.args().isEmpty();
    }

    private static boolean matches(List<RuntimeSpec.SeccompArg> conditions, SeccompArch abi, long[] args) {
        if (conditions == null) {
            return true;
        }
        for (RuntimeSpec.SeccompArg c : conditions) {
            long arg = abi.args64 ? args[c.index()] : args[c.index()] & 0xFFFFFFFFL;
            long value = c.value() == null ? 0 : c.value();
            long two = c.valueTwo() == null ? 0 : c.valueTwo();
            int cmp = Long.compareUnsigned(arg, value);
            boolean holds;
            switch (c.op()) {
                case "SCMP_CMP_NE": holds = cmp != 0; break;
                case "SCMP_CMP_LT": holds = cmp < 0; break;
                case "SCMP_CMP_LE": holds = cmp <= 0; break;
                case "SCMP_CMP_EQ": holds = cmp == 0; break;
                case "SCMP_CMP_GE": holds = cmp >= 0; break;
                case "SCMP_CMP_GT": holds = cmp > 0; break;
                case "SCMP_CMP_MASKED_EQ": holds = (arg & value) == two; break;
                default: throw new IllegalArgumentException(c.op());
            }
            if (!holds) {
                return false;
            }
        }
        return true;
    }

    static int action(String name, Integer errnoRet) {
        int data = errnoRet == null ? 1 : errnoRet;
        switch (name) {
            case "SCMP_ACT_KILL":
            case "SCMP_ACT_KILL_THREAD": return 0;
            case "SCMP_ACT_KILL_PROCESS": return 0x80000000;
            case "SCMP_ACT_TRAP": return 0x00030000;
            case "SCMP_ACT_ERRNO": return 0x00050000 | data;
            case "SCMP_ACT_TRACE": return 0x7ff00000 | data;
            case "SCMP_ACT_LOG": return 0x7ffc0000;
            case "SCMP_ACT_ALLOW": return 0x7fff0000;
            default: throw new IllegalArgumentException(name);
        }
    }
}
