package io.berth.runtime.cgroup;

import io.berth.protocol.oci.runtime.RuntimeSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The OCI device allow-list in the kernel's two forms: v1 {@code devices.allow}/{@code devices.deny} lines, and
 * for v2 an eBPF program of type {@code BPF_PROG_TYPE_CGROUP_DEVICE}.
 *
 * <p>Semantics, for both: the list is read against a cgroup that allows everything, and for each kind of
 * access (read, write, mknod) the last rule that matches the device and names that access decides. An access
 * asking for several kinds (an open for reading and writing) is allowed only when each kind is. That is what
 * v1's exception lists do for the lists runtimes write, a leading deny-all followed by allows.
 */
final class DeviceRules {
    /** {@code struct bpf_cgroup_dev_ctx}: access_type (type in the low 16 bits, access above), major, minor. */
    private static final short CTX_ACCESS_TYPE = 0;
    private static final short CTX_MAJOR = 4;
    private static final short CTX_MINOR = 8;
    private static final int DEV_BLOCK = 1;
    private static final int DEV_CHAR = 2;
    private static final int ACC_MKNOD = 1;
    private static final int ACC_READ = 2;
    private static final int ACC_WRITE = 4;

    // eBPF opcodes (linux/bpf_common.h, linux/bpf.h)
    private static final int LDX_MEM_W = 0x61;
    private static final int ALU32_AND_K = 0x54;
    private static final int ALU32_RSH_K = 0x74;
    private static final int ALU32_MOV_X = 0xbc;
    private static final int ALU64_MOV_K = 0xb7;
    private static final int JMP_JA = 0x05;
    private static final int JMP_JEQ_K = 0x15;
    private static final int JMP_JNE_K = 0x55;
    private static final int JMP_EXIT = 0x95;

    // registers: r1 ctx then scratch, r2 type, r3 access, r4 major, r5 minor
    private static final int R0 = 0;
    private static final int R1 = 1;
    private static final int R2 = 2;
    private static final int R3 = 3;
    private static final int R4 = 4;
    private static final int R5 = 5;

    private DeviceRules() {}

    static boolean isDenyAll(RuntimeSpec.DeviceRule rule) {
        return !Boolean.TRUE.equals(rule.allow()) && matchesAnyDevice(rule) && accessBits(rule) == 7;
    }

    /** The v1 line, e.g. {@code c 1:3 rwm}; a null major or minor is {@code *}. */
    static String v1Line(RuntimeSpec.DeviceRule rule) {
        return type(rule) + " " + number(rule.major()) + ":" + number(rule.minor()) + " " + access(rule);
    }

    /**
     * The eBPF program enforcing {@code rules}, as instructions of 8 bytes each in host byte order. It returns
     * 1 to allow and 0 to deny. Instructions that could never run are not emitted, since the verifier refuses
     * a program containing any.
     */
    static byte[] program(List<RuntimeSpec.DeviceRule> rules) {
        List<long[]> insns = new ArrayList<>();
        insns.add(insn(LDX_MEM_W, R2, R1, CTX_ACCESS_TYPE, 0));
        insns.add(insn(ALU32_AND_K, R2, 0, (short) 0, 0xffff));
        insns.add(insn(LDX_MEM_W, R3, R1, CTX_ACCESS_TYPE, 0));
        insns.add(insn(ALU32_RSH_K, R3, 0, (short) 0, 16));
        insns.add(insn(LDX_MEM_W, R4, R1, CTX_MAJOR, 0));
        insns.add(insn(LDX_MEM_W, R5, R1, CTX_MINOR, 0));
        // jumps to the final "deny" block, patched once its position is known
        List<Integer> denyJumps = new ArrayList<>();
        for (int bit : new int[] {ACC_MKNOD, ACC_READ, ACC_WRITE}) {
            // one section per kind of access: skipped when not asked for, else the last matching rule decides
            int skipIndex = insns.size();
            insns.add(insn(ALU32_MOV_X, R1, R3, (short) 0, 0));
            insns.add(insn(ALU32_AND_K, R1, 0, (short) 0, bit));
            insns.add(null); // JEQ r1, 0 -> section end
            List<Integer> allowJumps = new ArrayList<>();
            for (int i = rules.size() - 1; i >= 0; i--) {
                RuntimeSpec.DeviceRule rule = rules.get(i);
                if ((accessBits(rule) & bit) == 0) {
                    continue;
                }
                List<Integer> nextRuleJumps = new ArrayList<>();
                if (typeCode(rule) != 0) {
                    nextRuleJumps.add(insns.size());
                    insns.add(insn(JMP_JNE_K, R2, 0, (short) 0, typeCode(rule)));
                }
                if (rule.major() != null && rule.major() >= 0) {
                    nextRuleJumps.add(insns.size());
                    insns.add(insn(JMP_JNE_K, R4, 0, (short) 0, (int) (long) rule.major()));
                }
                if (rule.minor() != null && rule.minor() >= 0) {
                    nextRuleJumps.add(insns.size());
                    insns.add(insn(JMP_JNE_K, R5, 0, (short) 0, (int) (long) rule.minor()));
                }
                (Boolean.TRUE.equals(rule.allow()) ? allowJumps : denyJumps).add(insns.size());
                insns.add(insn(JMP_JA, 0, 0, (short) 0, 0));
                for (int j : nextRuleJumps) {
                    patch(insns, j, insns.size());
                }
                if (nextRuleJumps.isEmpty()) {
                    break; // this rule matches every device: the earlier ones cannot be reached
                }
            }
            int sectionEnd = insns.size();
            insns.set(skipIndex + 2, insn(JMP_JEQ_K, R1, 0, (short) (sectionEnd - skipIndex - 3), 0));
            for (int j : allowJumps) {
                patch(insns, j, sectionEnd);
            }
        }
        insns.add(insn(ALU64_MOV_K, R0, 0, (short) 0, 1));
        insns.add(insn(JMP_EXIT, 0, 0, (short) 0, 0));
        if (!denyJumps.isEmpty()) {
            for (int j : denyJumps) {
                patch(insns, j, insns.size());
            }
            insns.add(insn(ALU64_MOV_K, R0, 0, (short) 0, 0));
            insns.add(insn(JMP_EXIT, 0, 0, (short) 0, 0));
        }
        ByteBuffer out = ByteBuffer.allocate(insns.size() * 8).order(ByteOrder.nativeOrder());
        for (long[] i : insns) {
            out.put((byte) i[0]).put((byte) i[1]).putShort((short) i[2]).putInt((int) i[3]);
        }
        return out.array();
    }

    /** {code, dst | src << 4, off, imm}; the register byte is dst in the low nibble on little-endian hosts. */
    private static long[] insn(int code, int dst, int src, short off, int imm) {
        int regs = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? (dst | src << 4) : (dst << 4 | src);
        return new long[] {code, regs, off, imm};
    }

    /** Sets the offset of the jump at {@code from} so it lands on {@code target}. */
    private static void patch(List<long[]> insns, int from, int target) {
        long[] i = insns.get(from);
        insns.set(from, new long[] {i[0], i[1], (short) (target - from - 1), i[3]});
    }

    private static boolean matchesAnyDevice(RuntimeSpec.DeviceRule rule) {
        return typeCode(rule) == 0 && (rule.major() == null || rule.major() < 0)
                && (rule.minor() == null || rule.minor() < 0);
    }

    private static int typeCode(RuntimeSpec.DeviceRule rule) {
        return switch (type(rule)) {
            case "c" -> DEV_CHAR;
            case "b" -> DEV_BLOCK;
            default -> 0;
        };
    }

    private static String type(RuntimeSpec.DeviceRule rule) {
        return rule.type() == null || rule.type().isEmpty() ? "a" : rule.type();
    }

    private static String access(RuntimeSpec.DeviceRule rule) {
        return rule.access() == null || rule.access().isEmpty() ? "rwm" : rule.access();
    }

    private static int accessBits(RuntimeSpec.DeviceRule rule) {
        int bits = 0;
        for (char c : access(rule).toCharArray()) {
            bits |= c == 'r' ? ACC_READ : c == 'w' ? ACC_WRITE : c == 'm' ? ACC_MKNOD : 0;
        }
        return bits;
    }

    private static String number(Long n) {
        return n == null || n < 0 ? "*" : Long.toString(n);
    }
}
