package io.berth.runtime;

import java.nio.file.Path;

/**
 * Where a container's standard streams go when it has no terminal.
 *
 * <p>{@link #inherit()} passes the calling process's own fds 0, 1 and 2 (the command line does this);
 * {@link #files} opens the given paths (regular files are appended to, named pipes work too); a null
 * path means {@code /dev/null}. The runtime opens the files in the calling process and hands the
 * container nothing else.
 */
public sealed interface Stdio {
    /** The calling process's own stdin, stdout and stderr. */
    static Stdio inherit() {
        return Inherit.INSTANCE;
    }

    /** stdin read from {@code in}, stdout and stderr appended to {@code out} and {@code err}; null means /dev/null. */
    static Stdio files(Path in, Path out, Path err) {
        return new Files(in, out, err);
    }

    /** All three streams on /dev/null. */
    static Stdio discard() {
        return new Files(null, null, null);
    }

    /** See {@link #inherit()}. */
    enum Inherit implements Stdio { INSTANCE }

    /** See {@link #files}. */
    record Files(Path in, Path out, Path err) implements Stdio {}
}
