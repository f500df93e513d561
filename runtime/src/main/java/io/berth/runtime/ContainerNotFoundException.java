package io.berth.runtime;

/** No container with that id exists under the runtime's state root. */
public final class ContainerNotFoundException extends ContainerRuntimeException {
    public ContainerNotFoundException(String id, java.nio.file.Path stateRoot) {
        super("container '" + id + "' does not exist (state root " + stateRoot + ")");
    }
}
