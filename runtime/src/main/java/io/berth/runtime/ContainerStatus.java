package io.berth.runtime;

import java.util.Locale;

/**
 * A container's status as the OCI runtime spec defines it.
 *
 * <p>Legal transitions: {@code CREATING -> CREATED} (create succeeded), {@code CREATED -> RUNNING}
 * (start), {@code CREATED -> STOPPED} and {@code RUNNING -> STOPPED} (the init exited or was killed).
 * The status is derived from the kernel (is the init alive, is it still waiting on its exec FIFO), never
 * stored, so it cannot go stale when the runtime itself restarts.
 */
public enum ContainerStatus {
    CREATING, CREATED, RUNNING, STOPPED;

    /** The spelling in the state document: {@code creating}, {@code created}, {@code running}, {@code stopped}. */
    public String specName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
