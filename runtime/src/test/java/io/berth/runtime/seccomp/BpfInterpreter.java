package io.berth.runtime.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A classic BPF interpreter with the kernel's seccomp checks: every jump must land inside the program, the
 * program must end in a return, loads must be aligned words inside {@code struct seccomp_data}.
 */
final class BpfInterpreter {
    private final short[] code;
    private final int[] jt;
    private final int[] jf;
    private final int[] k;

    BpfInterpreter(byte[] filter) {
        ByteBuffer in = ByteBuffer.wrap(filter).order(ByteOrder.LITTLE_ENDIAN);
        int n = filter.length / 8;
        if (n == 0 || n > 4096 || filter.length % 8 != 0) {
            throw new IllegalArgumentException("bad filter length " + filter.length);
        }
        code = new short[n];
        jt = new int[n];
        jf = new int[n];
        k = new int[n];
        for (int i = 0; i < n; i++) {
            code[i] = in.getShort();
            jt[i] = in.get() & 0xFF;
            jf[i] = in.get() & 0xFF;
            k[i] = in.getInt();
            validate(i);
        }
    }

    /** The kernel's seccomp_data: nr, arch, instruction pointer, six 64-bit arguments. */
    record Data(int nr, int arch, long ip, long[] args) {
        int word(int offset) {
            switch (offset) {
                case 0:
                    return nr;
                case 4:
                    return arch;
                case 8:
                    return (int) ip;
                case 12:
                    return (int) (ip >>> 32);
                default:
                    long arg = args[(offset - 16) / 8];
                    return (offset & 4) == 0 ? (int) arg : (int) (arg >>> 32);
            }
        }
    }

    /** The result of a run: the returned value and how many instructions ran. */
    record Verdict(int value, int steps) {}

    Verdict run(Data data) {
        int a = 0;
        int pc = 0;
        int steps = 0;
        while (true) {
            steps++;
            int c = code[pc] & 0xFFFF;
            switch (c) {
                case Bpf.LD_W_ABS:
                    a = data.word(k[pc]);
                    pc++;
                    break;
                case Bpf.ALU_AND_K:
                    a &= k[pc];
                    pc++;
                    break;
                case Bpf.JA:
                    pc += 1 + k[pc];
                    break;
                case Bpf.JEQ_K:
                    pc += 1 + (a == k[pc] ? jt[pc] : jf[pc]);
                    break;
                case Bpf.JGT_K:
                    pc += 1 + (Integer.compareUnsigned(a, k[pc]) > 0 ? jt[pc] : jf[pc]);
                    break;
                case Bpf.JGE_K:
                    pc += 1 + (Integer.compareUnsigned(a, k[pc]) >= 0 ? jt[pc] : jf[pc]);
                    break;
                case 0x45: // JSET
                    pc += 1 + ((a & k[pc]) != 0 ? jt[pc] : jf[pc]);
                    break;
                case Bpf.RET_K:
                    return new Verdict(k[pc], steps);
                default:
                    throw new IllegalStateException("opcode " + Integer.toHexString(c) + " at " + pc);
            }
        }
    }

    int instructionCount() {
        return code.length;
    }

    private void validate(int i) {
        int c = code[i] & 0xFFFF;
        int n = code.length;
        switch (c) {
            case Bpf.LD_W_ABS:
                if (k[i] < 0 || k[i] > 60 || k[i] % 4 != 0) {
                    throw new IllegalArgumentException("load offset " + k[i] + " at " + i);
                }
                break;
            case Bpf.JA:
                if (Integer.toUnsignedLong(k[i]) >= n - i - 1) {
                    throw new IllegalArgumentException("ja out of program at " + i);
                }
                break;
            case Bpf.JEQ_K:
            case Bpf.JGT_K:
            case Bpf.JGE_K:
            case 0x45:
                if (i + 1 + jt[i] >= n || i + 1 + jf[i] >= n) {
                    throw new IllegalArgumentException("jump out of program at " + i);
                }
                break;
            case Bpf.ALU_AND_K:
            case Bpf.RET_K:
                break;
            default:
                throw new IllegalArgumentException("opcode " + Integer.toHexString(c) + " at " + i);
        }
        if (i == n - 1 && c != Bpf.RET_K && c != Bpf.JA) {
            throw new IllegalArgumentException("program does not end in a return");
        }
    }
}
