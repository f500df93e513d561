package io.berth.runtime.linux;

import io.berth.runtime.ContainerRuntimeException;

/** A libc call failed; the message names the call, its arguments and the errno. */
public final class SyscallException extends ContainerRuntimeException {
    private final int errno;

    public SyscallException(String call, int errno, String description) {
        super(call + " failed: " + description + " (errno " + errno + ")");
        this.errno = errno;
    }

    /** The errno the call failed with. */
    public int errno() {
        return errno;
    }
}
