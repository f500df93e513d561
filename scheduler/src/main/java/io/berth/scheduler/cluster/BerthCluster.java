package io.berth.scheduler.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/**
 * Starts a Berth node's actor system as a member of the Pekko cluster. Every node's system is named
 * {@value #SYSTEM_NAME}; seed nodes are given as {@code host:port}.
 *
 * <p>The configuration is, from strongest to weakest: the caller's overrides, what {@link ClusterSettings} says
 * (provider, Artery address, roles, seeds, the job store's directory, coordinated shutdown), then Berth's settings
 * of Pekko's cluster ({@code pekko-cluster.conf} beside this class: the split brain resolver, Distributed Data's
 * role and durable store, which Pekko's own reference.conf files set too), then the application and reference
 * configuration. With {@code berth.tls.enabled} the nodes talk TLS with mutual authentication
 * ({@link TlsSettings}).
 */
public final class BerthCluster {
    /** The actor system's name, the same on every node (it is part of each node's address). */
    public static final String SYSTEM_NAME = "berth";

    private BerthCluster() {}

    /** The full configuration of a node with these settings, over the application's and reference config. */
    public static Config config(ClusterSettings settings) {
        return config(settings, ConfigFactory.empty());
    }

    /** As {@link #config(ClusterSettings)}, with {@code overrides} (e.g. a test's short timeouts) on top. */
    public static Config config(ClusterSettings settings, Config overrides) {
        List<String> seeds = settings.seedNodes().stream().map(s -> "pekko://" + SYSTEM_NAME + "@" + s).toList();
        List<String> roles = settings.roles().stream().map(ClusterSettings.Role::configName).sorted().toList();
        Config node = ConfigFactory.empty()
                .withValue("berth.node.name", ConfigValueFactory.fromAnyRef(settings.nodeName()))
                .withValue("pekko.actor.provider", ConfigValueFactory.fromAnyRef("cluster"))
                .withValue("pekko.remote.artery.transport", ConfigValueFactory.fromAnyRef("tcp"))
                .withValue("pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(settings.host()))
                .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(settings.port()))
                .withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(roles))
                .withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds))
                .withValue("pekko.cluster.distributed-data.durable.rocksdb.dir",
                        ConfigValueFactory.fromAnyRef(settings.dataDir().resolve("ddata").toAbsolutePath().toString()))
                // SIGTERM leaves the cluster gracefully before the JVM exits; a downed or removed node exits
                .withValue("pekko.coordinated-shutdown.run-by-jvm-shutdown-hook", ConfigValueFactory.fromAnyRef("on"))
                .withValue("pekko.coordinated-shutdown.exit-jvm", ConfigValueFactory.fromAnyRef(settings.exitJvm()));
        if (settings.seedNodes().size() > 1
                && settings.seedNodes().get(0).equals(settings.host() + ":" + settings.port())) {
            // The first seed node forms a cluster of its own when no other seed answers within seed-node-timeout
            // (seeds that answer, members or not, end the wait at once). Pekko's 5 s is short for a first seed that
            // restarts while the others run under load: it formed a second cluster, with a second singleton.
            // Longer on the first seed only: on every other node the setting is the interval between join attempts.
            node = node.withValue("pekko.cluster.seed-node-timeout", ConfigValueFactory.fromAnyRef("30s"));
        }
        Config full = overrides.withFallback(node)
                .withFallback(ConfigFactory.parseResources(BerthCluster.class, "pekko-cluster.conf"))
                .withFallback(ConfigFactory.load());
        // berth.tls.enabled turns Artery into tls-tcp with the node's certificate, whatever else asked for tcp
        return TlsSettings.fromConfig(full).arteryConfig().withFallback(full);
    }

    /** Starts the node and joins the cluster (see {@link #start(ClusterSettings, Behavior, Config)}). */
    public static <T> ActorSystem<T> start(ClusterSettings settings, Behavior<T> guardian) {
        return start(settings, guardian, ConfigFactory.empty());
    }

    /**
     * Starts the node's actor system with {@code guardian} and joins the cluster: through the seed nodes, or, when
     * there are none, by joining itself, so that a single node forms a cluster of its own. Returns at once; the
     * node becomes a member shortly after ({@code Cluster.get(system).selfMember()} says when).
     *
     * @throws IllegalArgumentException if the configuration is invalid
     * @throws org.apache.pekko.remote.RemoteTransportException if the address cannot be bound (port in use)
     */
    public static <T> ActorSystem<T> start(ClusterSettings settings, Behavior<T> guardian, Config overrides) {
        ActorSystem<T> system = ActorSystem.create(guardian, SYSTEM_NAME, config(settings, overrides));
        if (settings.seedNodes().isEmpty()) {
            Cluster cluster = Cluster.get(system);
            cluster.manager().tell(Join.create(cluster.selfMember().address()));
        }
        return system;
    }
}
