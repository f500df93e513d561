package io.berth.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The file {@code <state>/<id>/exit} of a container in reaper mode: the runtime creates it empty and hands it
 * to the init, which writes {@code "<exit code> <signal>\n"} once the container's process has ended. It is how
 * an exit is known after the runtime process that created the container (the init's parent, the only one
 * that could wait for it) is gone. It lives as long as the state directory, until {@code delete}.
 */
final class ExitFile {
    static final String NAME = "exit";

    private ExitFile() {}

    /** {@code [exitCode, signal]} as the init recorded it, or null when nothing is recorded (or no such file). */
    static int[] read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new ContainerRuntimeException("cannot read the exit file " + file + ": " + e.getMessage(), e);
        }
        String[] f = text.split(" ");
        if (f.length != 2) {
            return null;  // empty: the init was killed before it could write (SIGKILL to it, or its own OOM kill)
        }
        try {
            return new int[] {Integer.parseInt(f[0]), Integer.parseInt(f[1])};
        } catch (NumberFormatException e) {
            throw new ContainerRuntimeException("the exit file " + file + " holds '" + text
                    + "', not '<exit code> <signal>'");
        }
    }
}
