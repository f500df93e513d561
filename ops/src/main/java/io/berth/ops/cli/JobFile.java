package io.berth.ops.cli;

import io.berth.protocol.job.InvalidJobException;
import io.berth.protocol.job.Job;
import io.berth.protocol.job.JobSpecs;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A job spec file read and validated on this side before it is sent, so a mistake is reported with its field
 * paths without a round trip (the server validates again). JSON, or YAML for {@code .yaml}/{@code .yml}.
 */
final class JobFile {

    /** A file that cannot be used; {@link #exitCode} says how the command ends. */
    static final class Unusable extends Exception {
        private final int exitCode;

        Unusable(String message, int exitCode) {
            super(message);
            this.exitCode = exitCode;
        }

        int exitCode() {
            return exitCode;
        }
    }

    private JobFile() {}

    /** The job in {@code file}, validated. */
    static Job read(Path file) throws Unusable {
        if (!Files.exists(file)) {
            throw new Unusable(file + ": no such file", ExitCodes.NOT_FOUND);
        }
        try {
            return JobSpecs.parse(file);
        } catch (InvalidJobException e) {
            throw new Unusable(e.getMessage(), ExitCodes.USAGE);
        }
    }

    /** The job as the JSON body of {@code POST /v1/jobs}. */
    static byte[] body(Job job) {
        return JobSpecs.toJson(job);
    }
}
