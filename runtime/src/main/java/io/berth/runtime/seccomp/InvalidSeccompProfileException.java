package io.berth.runtime.seccomp;

import io.berth.runtime.ContainerRuntimeException;

/** The seccomp profile cannot be compiled; the message names the JSON path of the offending field and why. */
public final class InvalidSeccompProfileException extends ContainerRuntimeException {
    private final String path;

    InvalidSeccompProfileException(String path, String problem) {
        super(path + ": " + problem);
        this.path = path;
    }

    /** The JSON path of the field at fault, e.g. {@code $.linux.seccomp.syscalls[3].names[0]}. */
    public String path() {
        return path;
    }
}
