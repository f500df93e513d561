package io.berth.runtime.seccomp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The back-to-front assembler: jump offsets, and targets beyond a conditional jump's 255-instruction reach. */
class BpfTest {
    private static final int A = 0x7fff0000;
    private static final int B = 0x00050001;

    /** Emits {@code count} filler instructions (loads of nr) that fall through to {@code next}. */
    private static int filler(Bpf bpf, int count, int next) {
        int label = next;
        for (int i = 0; i < count; i++) {
            label = bpf.load(SeccompCompiler.OFFSET_NR, label);
        }
        return label;
    }

    private static int opcodeCount(byte[] program, int opcode) {
        ByteBuffer in = ByteBuffer.wrap(program).order(ByteOrder.LITTLE_ENDIAN);
        int n = 0;
        for (int i = 0; i < program.length / 8; i++) {
            n += (in.getShort(i * 8) & 0xFFFF) == opcode ? 1 : 0;
        }
        return n;
    }

    private static int run(byte[] program, int nr) {
        return new BpfInterpreter(program).run(Profiles.data(Profiles.AUDIT_X86_64, nr)).value();
    }

    @Test
    void nearTargetsAreReachedDirectlyWithTheRightOffsets() {
        Bpf bpf = new Bpf();
        int retB = bpf.ret(B);
        int retA = bpf.ret(A);
        int test = bpf.jump(Bpf.JEQ_K, 7, retB, retA);
        bpf.load(SeccompCompiler.OFFSET_NR, test);
        byte[] program = bpf.assemble();

        assertThat(program).hasSize(4 * 8);
        // ld [0]; jeq #7, jt 1, jf 0; ret A; ret B
        assertThat(program).startsWith(0x20, 0, 0, 0, 0, 0, 0, 0, 0x15, 0, 1, 0, 7, 0, 0, 0);
        assertThat(run(program, 7)).isEqualTo(B);
        assertThat(run(program, 8)).isEqualTo(A);
    }

    @Test
    void aFarReturnIsCopiedNearAndAFarBlockIsReachedThroughJa() {
        Bpf bpf = new Bpf();
        int farReturn = bpf.ret(B);
        int farBlock = bpf.jump(Bpf.JGT_K, 100, bpf.ret(A), farReturn);
        int far = filler(bpf, 300, bpf.ret(A));
        int test = bpf.jump(Bpf.JEQ_K, 5, farReturn, farBlock);
        int entry = bpf.load(SeccompCompiler.OFFSET_NR, bpf.jump(Bpf.JGE_K, 1000, far, test));
        byte[] program = bpf.assemble();

        assertThat(entry).isEqualTo(bpf.size() - 1);
        assertThat(opcodeCount(program, Bpf.JA)).isGreaterThanOrEqualTo(1);
        assertThat(opcodeCount(program, Bpf.RET_K)).isGreaterThanOrEqualTo(4);
        assertThat(run(program, 5)).isEqualTo(B);
        assertThat(run(program, 6)).isEqualTo(B); // the far block: 6 <= 100
        assertThat(run(program, 1000)).isEqualTo(A); // through 300 fillers
    }

    @Test
    void aJumpWithOneTargetEmitsNothing() {
        Bpf bpf = new Bpf();
        int ret = bpf.ret(A);

        assertThat(bpf.jump(Bpf.JEQ_K, 1, ret, ret)).isEqualTo(ret);
        assertThat(bpf.size()).isEqualTo(1);
    }
}
