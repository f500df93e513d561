package io.berth.ops.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.berth.scheduler.cluster.ClusterSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code berth dev}: one node that is the whole cluster — scheduler, agent and API on loopback. With a data
 * directory of its own it keeps its jobs and leaves containers running across restarts (the next start takes
 * them up again); with a temporary one it stops every allocation on shutdown and removes the directory.
 */
public final class DevNode implements AutoCloseable {

    /** The API's port unless told otherwise. */
    public static final int DEFAULT_API_PORT = 7700;

    private static final Logger log = LoggerFactory.getLogger(DevNode.class);

    private final BerthNode node;
    private final Path dataDir;
    private final boolean temporary;

    private DevNode(BerthNode node, Path dataDir, boolean temporary) {
        this.node = node;
        this.dataDir = dataDir;
        this.temporary = temporary;
    }

    /**
     * Starts the dev node.
     *
     * @param dataDir  where it keeps its state; null for a temporary directory
     * @param apiPort  the API's port on 127.0.0.1; 0 for any free one
     * @param config   further settings (a file's, or a test's), under the dev node's own
     * @param host     where the runtime keeps state and which CNI network the agent uses
     */
    public static DevNode start(Path dataDir, int apiPort, Config config, BerthNode.AgentHost host)
            throws IOException {
        boolean temporary = dataDir == null;
        Path dir = temporary ? Files.createTempDirectory("berth-dev-") : dataDir.toAbsolutePath();
        Files.createDirectories(dir);
        // a temporary node's containers cannot be taken up by a later one: they stop with it
        Config own = ConfigFactory.empty()
                .withValue("berth.api.host", ConfigValueFactory.fromAnyRef("127.0.0.1"))
                .withValue("berth.api.port", ConfigValueFactory.fromAnyRef(apiPort))
                .withValue("berth.agent.drain-on-shutdown", ConfigValueFactory.fromAnyRef(temporary))
                .withFallback(config);
        ClusterSettings settings = new ClusterSettings("dev", "127.0.0.1", 0, EnumSet.allOf(ClusterSettings.Role.class),
                List.of(), dir, false);
        try {
            return new DevNode(BerthNode.start(settings, own, host), dir, temporary);
        } catch (IOException | RuntimeException e) {
            if (temporary) {
                deleteTree(dir);
            }
            throw e;
        }
    }

    public BerthNode node() {
        return node;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Whether the data directory goes when the node stops. */
    public boolean temporary() {
        return temporary;
    }

    /** Blocks until the node has stopped, then removes a temporary data directory. */
    public void awaitTermination() throws InterruptedException {
        node.awaitTermination();
        cleanUp();
    }

    /** Stops the node (draining a temporary one's allocations) and removes a temporary data directory. */
    @Override
    public void close() {
        node.close();
        cleanUp();
    }

    private void cleanUp() {
        if (temporary) {
            deleteTree(dataDir);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            log.warn("cannot remove the dev node's data directory {}: {}", dir, e.toString());
        }
    }
}
