package io.berth.runtime.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A compiled seccomp filter, ready for {@code seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog)}.
 *
 * @param filter the {@code struct sock_filter[]} ({@code u16 code; u8 jt; u8 jf; u32 k}, 8 bytes each) in the
 *     native (little-endian) byte order; the length is {@code 8 * instructionCount()}
 * @param flags the {@code SECCOMP_FILTER_FLAG_*} bits the profile asked for, to pass as seccomp(2)'s flags
 */
public record SeccompProgram(byte[] filter, int flags) {
    public static final int FLAG_TSYNC = 1;
    public static final int FLAG_LOG = 1 << 1;
    public static final int FLAG_SPEC_ALLOW = 1 << 2;

    public SeccompProgram {
        if (filter.length == 0 || filter.length % 8 != 0) {
            throw new IllegalArgumentException("a filter is a non-empty array of 8-byte instructions");
        }
        filter = filter.clone();
    }

    /** A copy of the filter's bytes. */
    @Override
    public byte[] filter() {
        return filter.clone();
    }

    /** The number of BPF instructions (the {@code len} of {@code struct sock_fprog}). */
    public int instructionCount() {
        return filter.length / 8;
    }

    /** The filter in the byte order the kernel reads, for writing to native memory. */
    public ByteBuffer asByteBuffer() {
        return ByteBuffer.wrap(filter).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SeccompProgram other && other.flags == flags && Arrays.equals(other.filter, filter);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(filter) + flags;
    }

    @Override
    public String toString() {
        return "SeccompProgram[" + instructionCount() + " instructions, flags=0x" + Integer.toHexString(flags) + "]";
    }
}
