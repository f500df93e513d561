package io.berth.runtime.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Assembles a classic BPF program back to front.
 *
 * <p>Every classic BPF jump goes forward, so emitting the last instruction first means every jump target already
 * has a position when the jump is emitted. A label is the position of an emitted instruction counted from the
 * program's end. Conditional jumps reach at most 255 instructions ahead; a target further away is reached through
 * a nearby copy of its {@code ret} (for returns) or an unconditional {@code ja} with a 32-bit offset (for code).
 * Nearby copies and trampolines are reused while they stay in reach. Not thread-safe; one program per instance.
 */
final class Bpf {
    static final int LD_W_ABS = 0x20;
    static final int ALU_AND_K = 0x54;
    static final int JA = 0x05;
    static final int JEQ_K = 0x15;
    static final int JGT_K = 0x25;
    static final int JGE_K = 0x35;
    static final int RET_K = 0x06;

    /** The kernel's BPF_MAXINSNS. */
    static final int MAX_INSTRUCTIONS = 4096;
    private static final int MAX_JUMP = 255;

    /** Instructions in reverse order: {code, jt, jf, k}. */
    private final List<int[]> reversed = new ArrayList<>();
    /** Label of every {@code ret}, to the value it returns. */
    private final Map<Integer, Integer> returns = new HashMap<>();
    /** The most recently emitted (so nearest) {@code ret} of each value. */
    private final Map<Integer, Integer> nearestReturn = new HashMap<>();
    /** The most recently emitted trampoline to each label. */
    private final Map<Integer, Integer> nearestTrampoline = new HashMap<>();

    /** The label of a {@code ret value} reachable from the next instruction, emitting one if none is. */
    int ret(int value) {
        Integer near = nearestReturn.get(value);
        if (near != null && reachable(near)) {
            return near;
        }
        int label = emit(RET_K, 0, 0, value);
        returns.put(label, value);
        nearestReturn.put(value, label);
        return label;
    }

    /** Emits {@code A = seccomp_data[offset]} and returns its label. */
    int load(int offset, int next) {
        return straight(LD_W_ABS, offset, next);
    }

    /** Emits {@code A &= mask} and returns its label. */
    int and(int mask, int next) {
        return straight(ALU_AND_K, mask, next);
    }

    /**
     * Emits {@code if (A op k) goto ifTrue else goto ifFalse} and returns its label, or returns the common target
     * without emitting anything when both are the same.
     */
    int jump(int op, int k, int ifTrue, int ifFalse) {
        if (ifTrue == ifFalse) {
            return ifTrue;
        }
        int t = ifTrue;
        int f = ifFalse;
        // Bringing one target near moves the other one further away by the instruction added: repeat until both fit.
        while (!reachable(t) || !reachable(f)) {
            if (!reachable(f)) {
                f = near(f);
            } else {
                t = near(t);
            }
        }
        int here = reversed.size();
        return emit(op, here - t - 1, here - f - 1, k);
    }

    /** The number of instructions emitted so far. */
    int size() {
        return reversed.size();
    }

    /** The program, first instruction first, as {@code struct sock_filter[]} in little-endian order. */
    byte[] assemble() {
        ByteBuffer out = ByteBuffer.allocate(reversed.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = reversed.size() - 1; i >= 0; i--) {
            int[] insn = reversed.get(i);
            out.putShort((short) insn[0]).put((byte) insn[1]).put((byte) insn[2]).putInt(insn[3]);
        }
        return out.array();
    }

    /** A straight-line instruction falls through, so {@code next} must be the instruction right after it. */
    private int straight(int code, int k, int next) {
        jumpAlways(next);
        return emit(code, 0, 0, k);
    }

    /** Makes the last emitted instruction lead to {@code target}: a copy of its {@code ret}, or a {@code ja}. */
    private void jumpAlways(int target) {
        if (target == reversed.size() - 1) {
            return;
        }
        Integer value = returns.get(target);
        if (value != null) {
            int label = emit(RET_K, 0, 0, value);
            returns.put(label, value);
            nearestReturn.put(value, label);
        } else {
            emit(JA, 0, 0, reversed.size() - target - 1);
        }
    }

    /** A label in reach of the next instruction that leads to {@code target}. */
    private int near(int target) {
        Integer value = returns.get(target);
        if (value != null) {
            return ret(value);
        }
        Integer trampoline = nearestTrampoline.get(target);
        if (trampoline != null && reachable(trampoline)) {
            return trampoline;
        }
        int label = emit(JA, 0, 0, reversed.size() - target - 1);
        nearestTrampoline.put(target, label);
        return label;
    }

    private boolean reachable(int label) {
        return reversed.size() - label - 1 <= MAX_JUMP;
    }

    private int emit(int code, int jt, int jf, int k) {
        reversed.add(new int[] {code, jt, jf, k});
        return reversed.size() - 1;
    }
}
