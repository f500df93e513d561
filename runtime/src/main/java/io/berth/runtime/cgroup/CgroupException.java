package io.berth.runtime.cgroup;

import java.nio.file.Path;

/**
 * A cgroup operation failed. The message names the file, the value and the config.json field when there is
 * one, and says what to do; {@link #file()} and {@link #value()} give the first two to code.
 */
public class CgroupException extends RuntimeException {
    private final Path file;
    private final String value;

    /** A failure not tied to one file, e.g. a cgroupsPath that is not valid. */
    public CgroupException(String message) {
        this(message, null, null, null);
    }

    /**
     * A failure reading or writing one cgroup file.
     *
     * @param file the cgroup file or directory involved, or null
     * @param value the value that was written, or null for reads and directory operations
     */
    public CgroupException(String message, Path file, String value, Throwable cause) {
        super(message, cause);
        this.file = file;
        this.value = value;
    }

    /** The cgroup file or directory involved, or null. */
    public Path file() {
        return file;
    }

    /** The value that could not be written, or null. */
    public String value() {
        return value;
    }
}
