package io.berth.runtime;

/** The operation is not legal in the container's current status; nothing was changed. */
public final class ContainerStateException extends ContainerRuntimeException {
    private final ContainerStatus status;

    public ContainerStateException(String id, String operation, ContainerStatus status, String expected) {
        super("cannot " + operation + " container '" + id + "': it is " + status.specName() + ", " + expected);
        this.status = status;
    }

    /** The status the container was in when the operation was refused. */
    public ContainerStatus status() {
        return status;
    }
}
