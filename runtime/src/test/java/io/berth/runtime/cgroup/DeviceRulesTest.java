package io.berth.runtime.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The device program's decisions, run through a small eBPF interpreter and compared with the rule semantics
 * written out plainly. That the kernel's verifier accepts the programs and enforces them is
 * {@link CgroupsV2Test}'s part.
 */
class DeviceRulesTest {
    private static final char[] TYPES = {'c', 'b'};
    private static final char[] ACCESS = {'r', 'w', 'm'};

    private static RuntimeSpec.DeviceRule rule(boolean allow, String type, Long major, Long minor, String access) {
        return new RuntimeSpec.DeviceRule(allow, type, major, minor, access);
    }

    @Test
    void v1LinesUseStarsForAnyAndRwmForNoAccess() {
        assertThat(DeviceRules.v1Line(rule(false, null, null, null, null))).isEqualTo("a *:* rwm");
        assertThat(DeviceRules.v1Line(rule(true, "c", 1L, 3L, "rw"))).isEqualTo("c 1:3 rw");
        assertThat(DeviceRules.v1Line(rule(true, "b", 8L, -1L, "m"))).isEqualTo("b 8:* m");
    }

    @Test
    void denyAllIsRecognisedOnlyWhenItCoversEverything() {
        assertThat(DeviceRules.isDenyAll(rule(false, null, null, null, "rwm"))).isTrue();
        assertThat(DeviceRules.isDenyAll(rule(false, "a", null, null, null))).isTrue();
        assertThat(DeviceRules.isDenyAll(rule(false, "c", null, null, "rwm"))).isFalse();
        assertThat(DeviceRules.isDenyAll(rule(false, "a", null, null, "rw"))).isFalse();
        assertThat(DeviceRules.isDenyAll(rule(true, "a", null, null, "rwm"))).isFalse();
    }

    @Test
    void theUsualListAllowsOnlyWhatItNames() {
        List<RuntimeSpec.DeviceRule> rules = List.of(rule(false, null, null, null, "rwm"),
                rule(true, "c", 1L, 3L, "rwm"), rule(true, "c", 1L, 5L, "r"), rule(true, "c", 136L, null, "rw"));
        byte[] program = DeviceRules.program(rules);

        assertThat(run(program, 'c', 1, 3, "rw")).isTrue();
        assertThat(run(program, 'c', 1, 5, "r")).isTrue();
        assertThat(run(program, 'c', 1, 5, "rw")).isFalse();
        assertThat(run(program, 'c', 136, 7, "w")).isTrue();
        assertThat(run(program, 'c', 136, 7, "m")).isFalse();
        assertThat(run(program, 'b', 1, 3, "r")).isFalse();
        assertThat(run(program, 'c', 1, 7, "r")).isFalse();
    }

    @Test
    void anEmptyListAllowsEverythingAsAnUnrestrictedCgroupDoes() {
        assertThat(run(DeviceRules.program(List.of()), 'b', 8, 0, "rwm")).isTrue();
    }

    @Test
    void aLaterRuleOverridesAnEarlierOneAccessByAccess() {
        List<RuntimeSpec.DeviceRule> rules = List.of(rule(false, null, null, null, "rwm"),
                rule(true, "c", 1L, 3L, "r"), rule(true, "c", 1L, 3L, "w"), rule(false, "c", null, null, "m"));
        byte[] program = DeviceRules.program(rules);

        assertThat(run(program, 'c', 1, 3, "rw")).isTrue(); // r and w each allowed by a different rule
        assertThat(run(program, 'c', 1, 3, "m")).isFalse();
    }

    @Test
    void matchesThePlainSemanticsOnRandomListsAndRequests() {
        Random random = new Random(20261128);
        for (int list = 0; list < 2000; list++) {
            List<RuntimeSpec.DeviceRule> rules = new ArrayList<>();
            int n = random.nextInt(6);
            for (int i = 0; i < n; i++) {
                rules.add(randomRule(random));
            }
            byte[] program = DeviceRules.program(rules);
            for (int q = 0; q < 20; q++) {
                char type = TYPES[random.nextInt(2)];
                int major = random.nextInt(3);
                int minor = random.nextInt(3);
                String access = randomAccess(random, false);
                assertThat(run(program, type, major, minor, access))
                        .as("%s asking %s %d:%d %s", rules, type, major, minor, access)
                        .isEqualTo(reference(rules, type, major, minor, access));
            }
        }
    }

    private static RuntimeSpec.DeviceRule randomRule(Random random) {
        String type = switch (random.nextInt(4)) {
            case 0 -> null;
            case 1 -> "a";
            case 2 -> "c";
            default -> "b";
        };
        Long major = random.nextInt(3) == 0 ? null : (long) random.nextInt(3);
        Long minor = random.nextInt(3) == 0 ? null : (long) random.nextInt(3);
        return rule(random.nextBoolean(), type, major, minor, randomAccess(random, true));
    }

    private static String randomAccess(Random random, boolean allowEmpty) {
        StringBuilder b = new StringBuilder();
        for (char c : ACCESS) {
            if (random.nextBoolean()) {
                b.append(c);
            }
        }
        return b.length() == 0 && !allowEmpty ? "r" : b.length() == 0 ? null : b.toString();
    }

    /** Each access kind on its own: the last rule naming it and matching the device decides; none allows. */
    private static boolean reference(List<RuntimeSpec.DeviceRule> rules, char type, int major, int minor,
            String access) {
        for (char kind : access.toCharArray()) {
            for (int i = rules.size() - 1; i >= 0; i--) {
                RuntimeSpec.DeviceRule r = rules.get(i);
                String t = r.type() == null ? "a" : r.type();
                String a = r.access() == null ? "rwm" : r.access();
                boolean matches = (t.equals("a") || t.charAt(0) == type) && a.indexOf(kind) >= 0
                        && (r.major() == null || r.major() < 0 || r.major() == major)
                        && (r.minor() == null || r.minor() < 0 || r.minor() == minor);
                if (matches) {
                    if (!r.allow()) {
                        return false;
                    }
                    break;
                }
            }
        }
        return true;
    }

    /** Runs the program over a bpf_cgroup_dev_ctx; only the instructions DeviceRules emits are known. */
    private static boolean run(byte[] program, char type, int major, int minor, String access) {
        int accessBits = 0;
        for (char c : access.toCharArray()) {
            accessBits |= c == 'm' ? 1 : c == 'r' ? 2 : 4;
        }
        int[] ctx = {(accessBits << 16) | (type == 'b' ? 1 : 2), major, minor};
        ByteBuffer code = ByteBuffer.wrap(program).order(ByteOrder.nativeOrder());
        long[] reg = new long[11];
        int pc = 0;
        for (int steps = 0; steps < 100_000; steps++) {
            int op = code.get(pc * 8) & 0xff;
            int regs = code.get(pc * 8 + 1) & 0xff;
            int dst = regs & 0xf;
            int src = regs >> 4;
            short off = code.getShort(pc * 8 + 2);
            int imm = code.getInt(pc * 8 + 4);
            pc++;
            switch (op) {
                case 0x61 -> {
                    assertThat(src).as("loads only from the context in r1").isEqualTo(1);
                    reg[dst] = ctx[off / 4] & 0xffffffffL;
                }
                case 0x54 -> reg[dst] = (reg[dst] & imm) & 0xffffffffL;
                case 0x74 -> reg[dst] = ((reg[dst] & 0xffffffffL) >>> imm) & 0xffffffffL;
                case 0xbc -> reg[dst] = reg[src] & 0xffffffffL;
                case 0xb7 -> reg[dst] = imm;
                case 0x05 -> pc += off;
                case 0x15 -> pc += reg[dst] == imm ? off : 0;
                case 0x55 -> pc += reg[dst] != imm ? off : 0;
                case 0x95 -> {
                    return reg[0] == 1;
                }
                default -> throw new AssertionError("unexpected opcode 0x" + Integer.toHexString(op));
            }
        }
        throw new AssertionError("program did not exit");
    }
}
