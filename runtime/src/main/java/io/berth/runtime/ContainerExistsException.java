package io.berth.runtime;

/** A container with that id already exists under the runtime's state root. */
public final class ContainerExistsException extends ContainerRuntimeException {
    public ContainerExistsException(String id, java.nio.file.Path stateRoot) {
        super("container '" + id + "' already exists (state root " + stateRoot + "); delete it or pick another id");
    }
}
