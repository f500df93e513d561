package io.berth.agent;

import io.berth.runtime.ContainerRuntime;
import io.berth.storage.image.ImageStore;
import java.time.Clock;
import java.util.Objects;

/**
 * What every supervisor of an agent shares: the runtime, the image store, the network, the settings and the
 * clock. All of them thread-safe.
 */
record AgentServices(ContainerRuntime runtime, ImageStore images, NetworkSetup network, AgentConfig config,
                     Clock clock) {
    AgentServices {
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clock, "clock");
    }
}
