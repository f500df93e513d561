package io.berth.runtime.seccomp;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compiles an OCI {@code linux.seccomp} profile to a classic BPF filter with the semantics libseccomp gives it
 * under runc, without libseccomp.
 *
 * <h2>Semantics</h2>
 * <ul>
 *   <li>The filter first checks {@code seccomp_data.arch}. The native architecture (this JVM's, as libseccomp
 *       always adds it) and every listed one get their own system-call numbers; a process of any other ABI is
 *       killed ({@code SECCOMP_RET_KILL_THREAD}), libseccomp's default bad-architecture action, which runc keeps.
 *       x32 shares x86_64's audit token and is told apart by {@code __X32_SYSCALL_BIT} in the number.
 *       Architectures libseccomp knows but Berth has no table for (ppc, s390, mips...) are skipped with a warning:
 *       such processes cannot run natively on a host Berth supports, and the filter kills them anyway.</li>
 *   <li>A name unknown on one listed architecture but known on another is skipped for that architecture, as
 *       runc does; a name no table knows is an error. On x86 an unconditional rule for a socket or SysV IPC call
 *       also covers its socketcall(2)/ipc(2) form, as in libseccomp (see {@link #X86_MULTIPLEXED}).</li>
 *   <li>The conditions of one rule are ANDed (also when two compare the same argument, where runc would OR them);
 *       the rules for one system call are tried in profile order and the first that matches decides. A rule
 *       without conditions always matches, so rules after it for that call are dead. (runc drops a rule whose
 *       action equals the default action; here it still decides the calls it matches, ahead of later rules.)</li>
 *   <li>Arguments are compared as unsigned 64-bit values (high and low words in turn). A 32-bit ABI's (x86, arm)
 *       arguments are zero-extended to 64 bits, so only their low word is loaded.
 *       {@code SCMP_CMP_MASKED_EQ} is {@code (arg & value) == valueTwo}.</li>
 *   <li>{@code SCMP_ACT_KILL} is {@code SCMP_ACT_KILL_THREAD}; {@code errnoRet} (default EPERM) is the errno of
 *       {@code SCMP_ACT_ERRNO} and the message of {@code SCMP_ACT_TRACE}. {@code SCMP_ACT_NOTIFY} and listeners
 *       are not supported.</li>
 *   <li>As runc does, unless the default action lets calls through (ALLOW, LOG, TRACE), a call numbered above
 *       every call the profile names for an architecture fails with ENOSYS instead of the default action: such a
 *       call is newer than the profile, and ENOSYS lets libc fall back to an older call where EPERM would not.</li>
 * </ul>
 *
 * <h2>Shape of the filter</h2>
 * Per architecture, system-call numbers are split into intervals of equal outcome (allow-lists are dense, so
 * neighbouring calls with one action merge; a lone call inside a run becomes a {@code jeq} exception) and found by
 * a binary search of {@code jge}s; calls with argument rules get a block of comparisons. Returns are shared, and
 * far jumps go through nearby copies or {@code ja}. Docker-style allow-lists compile to about 100 instructions per
 * architecture, with about 15 run per call (libseccomp 2.5.4: about 1000 for three architectures, 600 run in the
 * worst case; 1250 and 26 with the binary tree runc asks for).
 *
 * <p>Stateless and thread-safe.
 */
public final class SeccompCompiler {
    private static final Logger LOG = LoggerFactory.getLogger(SeccompCompiler.class);

    static final int RET_KILL_PROCESS = 0x80000000;
    static final int RET_KILL_THREAD = 0x00000000;
    static final int RET_TRAP = 0x00030000;
    static final int RET_ERRNO = 0x00050000;
    static final int RET_TRACE = 0x7ff00000;
    static final int RET_LOG = 0x7ffc0000;
    static final int RET_ALLOW = 0x7fff0000;
    /** libseccomp's default action for an architecture not in the filter. */
    static final int RET_BAD_ARCH = RET_KILL_THREAD;

    static final int OFFSET_NR = 0;
    static final int OFFSET_ARCH = 4;
    static final int OFFSET_ARGS = 16;

    private static final int EPERM = 1;
    private static final int ENOSYS = 38;
    private static final int MAX_ERRNO = 4095;
    private static final long WORD = 0xFFFFFFFFL;
    private static final String ROOT = "$.linux.seccomp";

    /**
     * The profile's flags and their seccomp(2) bits. WAIT_KILLABLE_RECV only shapes how a notification listener
     * waits, and the kernel refuses it without one (EINVAL); with no listener possible here it is accepted and
     * dropped, so a profile written for runc still loads.
     */
    private static final Map<String, Integer> FLAGS = Map.of(
            "SECCOMP_FILTER_FLAG_TSYNC", SeccompProgram.FLAG_TSYNC,
            "SECCOMP_FILTER_FLAG_LOG", SeccompProgram.FLAG_LOG,
            "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SeccompProgram.FLAG_SPEC_ALLOW,
            "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 0);

    /** Architectures libseccomp knows that Berth has no table for; see the class comment. */
    private static final Set<String> FOREIGN_ARCHES = Set.of("SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
            "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64",
            "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
            "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH",
            "SCMP_ARCH_SHEB");

    private static final int X86_IPC = 117;

    /**
     * i386 reaches the socket and SysV IPC calls also through socketcall(2) (102) and ipc(2) (117), with the call
     * as the first argument: {name: {multiplexer, call}}. As libseccomp does, a rule for such a call also covers
     * its multiplexed form, but only when the rule has no conditions: the multiplexed call's real arguments are in
     * memory a filter cannot read, so a conditional rule applies to the direct call alone. ipc(2) reads the call
     * from the low 16 bits of its first argument only, so only those are compared.
     */
    static final Map<String, int[]> X86_MULTIPLEXED = Map.ofEntries(
            Map.entry("socket", new int[] {102, 1}), Map.entry("bind", new int[] {102, 2}),
            Map.entry("connect", new int[] {102, 3}), Map.entry("listen", new int[] {102, 4}),
            Map.entry("accept", new int[] {102, 5}), Map.entry("getsockname", new int[] {102, 6}),
            Map.entry("getpeername", new int[] {102, 7}), Map.entry("socketpair", new int[] {102, 8}),
            Map.entry("send", new int[] {102, 9}), Map.entry("recv", new int[] {102, 10}),
            Map.entry("sendto", new int[] {102, 11}), Map.entry("recvfrom", new int[] {102, 12}),
            Map.entry("shutdown", new int[] {102, 13}), Map.entry("setsockopt", new int[] {102, 14}),
            Map.entry("getsockopt", new int[] {102, 15}), Map.entry("sendmsg", new int[] {102, 16}),
            Map.entry("recvmsg", new int[] {102, 17}), Map.entry("accept4", new int[] {102, 18}),
            Map.entry("recvmmsg", new int[] {102, 19}), Map.entry("sendmmsg", new int[] {102, 20}),
            Map.entry("semop", new int[] {117, 1}), Map.entry("semget", new int[] {117, 2}),
            Map.entry("semctl", new int[] {117, 3}), Map.entry("semtimedop", new int[] {117, 4}),
            Map.entry("msgsnd", new int[] {117, 11}), Map.entry("msgrcv", new int[] {117, 12}),
            Map.entry("msgget", new int[] {117, 13}), Map.entry("msgctl", new int[] {117, 14}),
            Map.entry("shmat", new int[] {117, 21}), Map.entry("shmdt", new int[] {117, 22}),
            Map.entry("shmget", new int[] {117, 23}), Map.entry("shmctl", new int[] {117, 24}));

    private SeccompCompiler() {}

    /**
     * Compiles {@code profile}, the {@code linux.seccomp} object of a config.json, for the host's architecture.
     *
     * @param profile not null
     * @return the filter and the seccomp(2) flags
     * @throws InvalidSeccompProfileException if the profile is invalid or uses what Berth does not support; the
     *     message names the JSON path under {@code $.linux.seccomp}
     */
    public static SeccompProgram compile(RuntimeSpec.Seccomp profile) {
        return compile(profile, SeccompArch.nativeArch());
    }

    static SeccompProgram compile(RuntimeSpec.Seccomp profile, SeccompArch nativeArch) {
        Policy policy = Policy.of(profile, nativeArch);
        return new SeccompProgram(new Generator(policy).generate(), flags(profile.flags()));
    }

    // ---------------------------------------------------------------------------------------------------------
    // The profile, checked and resolved to numbers.

    /** A comparison of argument {@code index}; for MASKED_EQ {@code value} is the mask, {@code valueTwo} the datum. */
    record Condition(int index, Op op, long value, long valueTwo) {}

    /** One rule for one system call: its conditions, ANDed, and the filter return value when they hold. */
    record Rule(List<Condition> conditions, int action) {}

    enum Op {
        NE, LT, LE, EQ, GE, GT, MASKED_EQ;

        static Op of(String name) {
            for (Op op : values()) {
                if (("SCMP_CMP_" + op.name()).equals(name)) {
                    return op;
                }
            }
            return null;
        }
    }

    /**
     * The default action, whether calls above the last named one get ENOSYS, and the architectures in dispatch
     * order (native first), each with its rules by call number.
     */
    record Policy(int defaultAction, boolean enosysAboveLast,
            Map<SeccompArch, TreeMap<Integer, List<Rule>>> rules) {
        static Policy of(RuntimeSpec.Seccomp profile, SeccompArch nativeArch) {
            if (profile == null) {
                throw new InvalidSeccompProfileException(ROOT, "must not be null");
            }
            if (profile.listenerPath() != null && !profile.listenerPath().isEmpty()) {
                throw new InvalidSeccompProfileException(ROOT + ".listenerPath",
                        "seccomp notification listeners are not supported by Berth; remove it");
            }
            int defaultAction = action(profile.defaultAction(), profile.defaultErrnoRet(),
                    ROOT + ".defaultAction", ROOT + ".defaultErrnoRet");

            Map<SeccompArch, TreeMap<Integer, List<Rule>>> rules = new LinkedHashMap<>();
            rules.put(nativeArch, new TreeMap<>());
            List<String> arches = profile.architectures() == null ? List.of() : profile.architectures();
            for (int i = 0; i < arches.size(); i++) {
                String name = arches.get(i);
                SeccompArch arch = SeccompArch.byScmpName(name).orElse(null);
                if (arch != null) {
                    rules.putIfAbsent(arch, new TreeMap<>());
                } else if (FOREIGN_ARCHES.contains(name)) {
                    LOG.warn("{}.architectures[{}]: {} has no system call table in Berth; processes of that ABI are "
                            + "killed by the filter", ROOT, i, name);
                } else {
                    throw new InvalidSeccompProfileException(ROOT + ".architectures[" + i + "]",
                            "unknown architecture '" + name + "'; supported: " + supportedArches());
                }
            }

            List<RuntimeSpec.Syscall> syscalls = profile.syscalls() == null ? List.of() : profile.syscalls();
            for (int i = 0; i < syscalls.size(); i++) {
                String at = ROOT + ".syscalls[" + i + "]";
                RuntimeSpec.Syscall syscall = syscalls.get(i);
                if (syscall == null) {
                    throw new InvalidSeccompProfileException(at, "must not be null");
                }
                if (syscall.names() == null || syscall.names().isEmpty()) {
                    throw new InvalidSeccompProfileException(at + ".names", "must name at least one system call");
                }
                int action = action(syscall.action(), syscall.errnoRet(), at + ".action", at + ".errnoRet");
                Rule rule = new Rule(conditions(syscall.args(), at + ".args"), action);
                for (int j = 0; j < syscall.names().size(); j++) {
                    addRule(rules, syscall.names().get(j), at + ".names[" + j + "]", nativeArch, rule);
                }
            }
            boolean permissive = defaultAction == RET_ALLOW || defaultAction == RET_LOG
                    || (defaultAction & 0xFFFF0000) == RET_TRACE;
            return new Policy(defaultAction, !permissive, rules);
        }

        private static void addRule(Map<SeccompArch, TreeMap<Integer, List<Rule>>> rules, String name, String at,
                SeccompArch nativeArch, Rule rule) {
            if (name == null || name.isEmpty()) {
                throw new InvalidSeccompProfileException(at, "must be a system call name");
            }
            boolean known = X86_MULTIPLEXED.containsKey(name);
            for (Map.Entry<SeccompArch, TreeMap<Integer, List<Rule>>> e : rules.entrySet()) {
                Integer nr = e.getKey().number(name).orElse(null);
                if (nr != null) {
                    e.getValue().computeIfAbsent(nr, n -> new ArrayList<>()).add(rule);
                    known = true;
                }
                int[] muxed = e.getKey() == SeccompArch.X86 ? X86_MULTIPLEXED.get(name) : null;
                if (muxed != null && rule.conditions().isEmpty()) {
                    Condition call = muxed[0] == X86_IPC ? new Condition(0, Op.MASKED_EQ, 0xFFFF, muxed[1])
                            : new Condition(0, Op.EQ, muxed[1], 0);
                    Rule viaMux = new Rule(List.of(call), rule.action());
                    e.getValue().computeIfAbsent(muxed[0], n -> new ArrayList<>()).add(viaMux);
                }
            }
            for (SeccompArch arch : SeccompArch.values()) {
                known = known || arch.number(name).isPresent();
            }
            if (!known) {
                throw new InvalidSeccompProfileException(at, "unknown syscall '" + name + "' for architecture "
                        + nativeArch.scmpName + " or any other Berth knows (" + supportedArches() + ")");
            }
        }

        private static List<Condition> conditions(List<RuntimeSpec.SeccompArg> args, String at) {
            List<Condition> conditions = new ArrayList<>();
            if (args == null) {
                return conditions;
            }
            for (int i = 0; i < args.size(); i++) {
                RuntimeSpec.SeccompArg arg = args.get(i);
                String argAt = at + "[" + i + "]";
                if (arg == null) {
                    throw new InvalidSeccompProfileException(argAt, "must not be null");
                }
                if (arg.index() == null || arg.index() < 0 || arg.index() > 5) {
                    throw new InvalidSeccompProfileException(argAt + ".index",
                            "must be an argument index from 0 to 5, was " + arg.index());
                }
                Op op = Op.of(arg.op());
                if (op == null) {
                    throw new InvalidSeccompProfileException(argAt + ".op", "unknown operator '" + arg.op()
                            + "'; one of SCMP_CMP_NE, _LT, _LE, _EQ, _GE, _GT, _MASKED_EQ");
                }
                long value = arg.value() == null ? 0 : arg.value();
                long valueTwo = arg.valueTwo() == null ? 0 : arg.valueTwo();
                conditions.add(new Condition(arg.index(), op, value, op == Op.MASKED_EQ ? valueTwo : 0));
            }
            return List.copyOf(conditions);
        }

        private static int action(String name, Integer errnoRet, String at, String errnoAt) {
            if (name == null) {
                throw new InvalidSeccompProfileException(at, "is required");
            }
            boolean takesData = name.equals("SCMP_ACT_ERRNO") || name.equals("SCMP_ACT_TRACE");
            if (errnoRet != null && !takesData) {
                throw new InvalidSeccompProfileException(errnoAt,
                        "is only meaningful with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not " + name + "; remove it");
            }
            switch (name) {
                case "SCMP_ACT_KILL":
                case "SCMP_ACT_KILL_THREAD":
                    return RET_KILL_THREAD;
                case "SCMP_ACT_KILL_PROCESS":
                    return RET_KILL_PROCESS;
                case "SCMP_ACT_TRAP":
                    return RET_TRAP;
                case "SCMP_ACT_ERRNO":
                    int errno = errnoRet == null ? EPERM : errnoRet;
                    if (errno < 0 || errno > MAX_ERRNO) {
                        throw new InvalidSeccompProfileException(errnoAt,
                                "must be an errno from 0 to " + MAX_ERRNO + ", was " + errno);
                    }
                    return RET_ERRNO | errno;
                case "SCMP_ACT_TRACE":
                    int message = errnoRet == null ? EPERM : errnoRet;
                    if (message < 0 || message > 0xFFFF) {
                        throw new InvalidSeccompProfileException(errnoAt,
                                "must be a tracer message from 0 to 65535, was " + message);
                    }
                    return RET_TRACE | message;
                case "SCMP_ACT_LOG":
                    return RET_LOG;
                case "SCMP_ACT_ALLOW":
                    return RET_ALLOW;
                case "SCMP_ACT_NOTIFY":
                    throw new InvalidSeccompProfileException(at, "SCMP_ACT_NOTIFY is not supported: Berth has no "
                            + "seccomp agent to hand notifications to; use SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
                default:
                    throw new InvalidSeccompProfileException(at, "unknown action '" + name + "'; one of "
                            + "SCMP_ACT_KILL, _KILL_THREAD, _KILL_PROCESS, _TRAP, _ERRNO, _TRACE, _ALLOW, _LOG");
            }
        }
    }

    private static int flags(List<String> names) {
        int flags = 0;
        if (names == null) {
            return flags;
        }
        for (int i = 0; i < names.size(); i++) {
            Integer bit = FLAGS.get(names.get(i));
            if (bit == null) {
                throw new InvalidSeccompProfileException(ROOT + ".flags[" + i + "]", "unsupported flag '"
                        + names.get(i) + "'; supported: " + String.join(", ", new TreeMap<>(FLAGS).keySet()));
            }
            flags |= bit;
        }
        return flags;
    }

    private static String supportedArches() {
        StringBuilder names = new StringBuilder();
        for (SeccompArch arch : SeccompArch.values()) {
            names.append(names.length() == 0 ? "" : ", ").append(arch.scmpName);
        }
        return names.toString();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Code generation, back to front (see Bpf).

    private static final class Generator {
        private final Policy policy;
        private final Bpf bpf = new Bpf();

        Generator(Policy policy) {
            this.policy = policy;
        }

        byte[] generate() {
            // One section per audit token: x86_64 and x32 share one and split on the x32 bit.
            Map<Integer, List<SeccompArch>> byToken = new LinkedHashMap<>();
            for (SeccompArch arch : policy.rules().keySet()) {
                byToken.computeIfAbsent(arch.auditArch, t -> new ArrayList<>()).add(arch);
            }
            List<Integer> tokens = new ArrayList<>(byToken.keySet());
            Map<Integer, Integer> entries = new LinkedHashMap<>();
            for (int i = tokens.size() - 1; i >= 0; i--) {
                entries.put(tokens.get(i), section(byToken.get(tokens.get(i))));
            }
            int next = bpf.ret(RET_BAD_ARCH);
            for (int i = tokens.size() - 1; i >= 0; i--) {
                next = bpf.jump(Bpf.JEQ_K, tokens.get(i), entries.get(tokens.get(i)), next);
            }
            bpf.load(OFFSET_ARCH, next);
            if (bpf.size() > Bpf.MAX_INSTRUCTIONS) {
                throw new InvalidSeccompProfileException(ROOT, "compiles to " + bpf.size()
                        + " BPF instructions, more than the kernel's limit of " + Bpf.MAX_INSTRUCTIONS
                        + "; merge rules or list fewer architectures");
            }
            return bpf.assemble();
        }

        private int section(List<SeccompArch> arches) {
            EnumMap<SeccompArch, Integer> bodies = new EnumMap<>(SeccompArch.class);
            for (int i = arches.size() - 1; i >= 0; i--) {
                bodies.put(arches.get(i), body(arches.get(i)));
            }
            if (!arches.contains(SeccompArch.X86_64) && !arches.contains(SeccompArch.X32)) {
                return bpf.load(OFFSET_NR, bodies.get(arches.get(0)));
            }
            int x32 = bodies.containsKey(SeccompArch.X32) ? bodies.get(SeccompArch.X32) : bpf.ret(RET_BAD_ARCH);
            int x8664 = bodies.containsKey(SeccompArch.X86_64) ? bodies.get(SeccompArch.X86_64) : bpf.ret(RET_BAD_ARCH);
            // nr -1 (a tracer skipping the call) has the x32 bit set but belongs to x86_64, as in libseccomp.
            int high = bpf.jump(Bpf.JEQ_K, -1, bodies.containsKey(SeccompArch.X86_64) ? x8664 : x32, x32);
            return bpf.load(OFFSET_NR, bpf.jump(Bpf.JGE_K, SeccompArch.X32_SYSCALL_BIT, high, x8664));
        }

        /**
         * What decides the calls of one interval of numbers: a fixed action, rules to test first, or a fixed action
         * with a few single numbers excepted.
         */
        private sealed interface Outcome permits Fixed, Checked, Excepted {}

        private record Fixed(int action) implements Outcome {}

        /** Conditional rules tried in order, then {@code otherwise} when none matches. */
        private record Checked(List<Rule> rules, int otherwise) implements Outcome {}

        /**
         * {@code action}, except for the single numbers of {@code exceptions}. A lone call whose neighbours share
         * an action (a denied call inside an allowed run) then costs one {@code jeq} instead of two bounds.
         */
        private record Excepted(int action, List<Interval> exceptions) implements Outcome {}

        /** At most this many {@code jeq}s are tried at a leaf of the search, to keep the path short. */
        private static final int MAX_EXCEPTIONS = 3;

        /** Numbers from {@code start} up to the next interval's start share one outcome. */
        private record Interval(long start, Outcome outcome) {}

        /** The search over one architecture's call numbers; expects the number in A. */
        private int body(SeccompArch arch) {
            List<Interval> intervals = new ArrayList<>();
            long cursor = 0;
            for (Map.Entry<Integer, List<Rule>> e : policy.rules().get(arch).entrySet()) {
                long nr = e.getKey() & WORD;
                if (nr > cursor) {
                    add(intervals, new Interval(cursor, new Fixed(policy.defaultAction())));
                }
                add(intervals, new Interval(nr, outcome(e.getValue())));
                cursor = nr + 1;
            }
            if (cursor <= WORD) {
                boolean newer = policy.enosysAboveLast() && cursor > 0;
                add(intervals, new Interval(cursor, new Fixed(newer ? RET_ERRNO | ENOSYS : policy.defaultAction())));
            }
            return search(arch, intervals, 0, intervals.size() - 1);
        }

        /**
         * Appends an interval, merging it into the previous one when both return the same fixed action, and
         * folding a single number between two such intervals into an exception.
         */
        private static void add(List<Interval> intervals, Interval interval) {
            int n = intervals.size();
            if (interval.outcome() instanceof Fixed fixed) {
                if (n >= 1 && baseAction(intervals.get(n - 1).outcome(), fixed.action(), MAX_EXCEPTIONS)) {
                    return;
                }
                if (n >= 2 && interval.start() == intervals.get(n - 1).start() + 1
                        && baseAction(intervals.get(n - 2).outcome(), fixed.action(), MAX_EXCEPTIONS - 1)) {
                    Interval before = intervals.get(n - 2);
                    List<Interval> exceptions = new ArrayList<>();
                    if (before.outcome() instanceof Excepted excepted) {
                        exceptions.addAll(excepted.exceptions());
                    }
                    exceptions.add(intervals.remove(n - 1));
                    intervals.set(n - 2, new Interval(before.start(), new Excepted(fixed.action(), exceptions)));
                    return;
                }
            }
            intervals.add(interval);
        }

        /** Whether {@code outcome} returns {@code action} apart from at most {@code maxExceptions} numbers. */
        private static boolean baseAction(Outcome outcome, int action, int maxExceptions) {
            if (outcome instanceof Fixed fixed) {
                return fixed.action() == action;
            }
            return outcome instanceof Excepted excepted && excepted.action() == action
                    && excepted.exceptions().size() <= maxExceptions;
        }

        /** A call's rules reduced to what can decide: dead rules and trailing rules that change nothing go. */
        private Outcome outcome(List<Rule> rules) {
            List<Rule> conditional = new ArrayList<>();
            int otherwise = policy.defaultAction();
            for (Rule rule : rules) {
                if (rule.conditions().isEmpty()) {
                    otherwise = rule.action();
                    break;
                }
                conditional.add(rule);
            }
            while (!conditional.isEmpty() && conditional.get(conditional.size() - 1).action() == otherwise) {
                conditional.remove(conditional.size() - 1);
            }
            return conditional.isEmpty() ? new Fixed(otherwise) : new Checked(conditional, otherwise);
        }

        private int search(SeccompArch arch, List<Interval> intervals, int from, int to) {
            if (from == to) {
                return leaf(arch, intervals.get(from).outcome());
            }
            int mid = (from + to + 1) >>> 1;
            int above = search(arch, intervals, mid, to);
            int below = search(arch, intervals, from, mid - 1);
            return bpf.jump(Bpf.JGE_K, (int) intervals.get(mid).start(), above, below);
        }

        private int leaf(SeccompArch arch, Outcome outcome) {
            if (outcome instanceof Fixed fixed) {
                return bpf.ret(fixed.action());
            }
            if (outcome instanceof Excepted excepted) {
                int next = bpf.ret(excepted.action());
                for (int i = excepted.exceptions().size() - 1; i >= 0; i--) {
                    Interval exception = excepted.exceptions().get(i);
                    next = bpf.jump(Bpf.JEQ_K, (int) exception.start(), leaf(arch, exception.outcome()), next);
                }
                return next;
            }
            Checked checked = (Checked) outcome;
            int next = bpf.ret(checked.otherwise());
            for (int i = checked.rules().size() - 1; i >= 0; i--) {
                Rule rule = checked.rules().get(i);
                int pass = bpf.ret(rule.action());
                for (int c = rule.conditions().size() - 1; c >= 0; c--) {
                    pass = condition(arch, rule.conditions().get(c), pass, next);
                }
                next = pass;
            }
            return next;
        }

        private int condition(SeccompArch arch, Condition c, int pass, int fail) {
            int lowOffset = OFFSET_ARGS + 8 * c.index();
            int highOffset = lowOffset + 4;
            int low = (int) c.value();
            int high = (int) (c.value() >>> 32);
            switch (c.op()) {
                case NE:
                    return condition(arch, new Condition(c.index(), Op.EQ, c.value(), 0), fail, pass);
                case LT:
                    return condition(arch, new Condition(c.index(), Op.GE, c.value(), 0), fail, pass);
                case LE:
                    return condition(arch, new Condition(c.index(), Op.GT, c.value(), 0), fail, pass);
                case EQ: {
                    int lowTest = bpf.load(lowOffset, bpf.jump(Bpf.JEQ_K, low, pass, fail));
                    if (!arch.args64) {
                        return high == 0 ? lowTest : fail;
                    }
                    return bpf.load(highOffset, bpf.jump(Bpf.JEQ_K, high, lowTest, fail));
                }
                case GT:
                case GE: {
                    int lowTest = bpf.load(lowOffset,
                            bpf.jump(c.op() == Op.GT ? Bpf.JGT_K : Bpf.JGE_K, low, pass, fail));
                    if (!arch.args64) {
                        return high == 0 ? lowTest : fail;
                    }
                    int equalHigh = bpf.jump(Bpf.JEQ_K, high, lowTest, fail);
                    return bpf.load(highOffset, bpf.jump(Bpf.JGT_K, high, pass, equalHigh));
                }
                case MASKED_EQ: {
                    int maskLow = (int) c.value();
                    int maskHigh = (int) (c.value() >>> 32);
                    int datumLow = (int) c.valueTwo();
                    int datumHigh = (int) (c.valueTwo() >>> 32);
                    int lowTest = maskedEquals(lowOffset, maskLow, datumLow, pass, fail);
                    if (!arch.args64) {
                        return datumHigh == 0 ? lowTest : fail;
                    }
                    return maskedEquals(highOffset, maskHigh, datumHigh, lowTest, fail);
                }
                default:
                    throw new IllegalStateException("unhandled operator " + c.op());
            }
        }

        /** {@code (word & mask) == datum}, folded when the mask makes it constant or needs no AND. */
        private int maskedEquals(int offset, int mask, int datum, int pass, int fail) {
            if (mask == 0) {
                return datum == 0 ? pass : fail;
            }
            if ((datum & ~mask) != 0) {
                return fail;
            }
            int test = bpf.jump(Bpf.JEQ_K, datum, pass, fail);
            return bpf.load(offset, mask == -1 ? test : bpf.and(mask, test));
        }
    }
}
