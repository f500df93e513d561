package io.berth.ops.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.berth.agent.AgentConfig;
import io.berth.agent.CniNetworkSetup;
import io.berth.agent.ImageFetcher;
import io.berth.agent.NodeAgent;
import io.berth.agent.network.ContainerNetwork;
import io.berth.agent.network.NetworkConfig;
import io.berth.protocol.cluster.SchedulerCommand;
import io.berth.protocol.oci.image.Descriptor;
import io.berth.runtime.ContainerRuntime;
import io.berth.scheduler.api.ApiServer;
import io.berth.scheduler.api.ApiSettings;
import io.berth.scheduler.cluster.BerthCluster;
import io.berth.scheduler.cluster.ClusterSettings;
import io.berth.scheduler.control.SchedulerSingleton;
import io.berth.scheduler.jobs.JobStore;
import io.berth.storage.image.ImageStore;
import io.berth.storage.image.ImageStoreOptions;
import io.berth.storage.registry.CredentialStore;
import io.berth.storage.registry.ImagePuller;
import io.berth.storage.registry.ImageReference;
import io.berth.storage.registry.RegistryClient;
import io.berth.storage.registry.RetryPolicy;
import io.berth.storage.registry.TransferListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.binder.BaseUnits;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Berth node in this JVM: an actor system that is a member of the Berth cluster with the roles of its
 * {@link ClusterSettings}. A scheduler node runs the job store, the scheduler singleton (or its proxy), the event
 * log and the HTTP API; an agent node runs a {@link NodeAgent} with its runtime, image store and container
 * network, registered with the scheduler singleton through its proxy. {@code berth dev} is both in one.
 *
 * <p>Shutdown is Pekko's coordinated shutdown (run by SIGINT and SIGTERM through the JVM's shutdown hook, or by
 * {@link #close}): the API unbinds, the agent drains if configured to, the node leaves the cluster, and only then
 * are the agent's image store and runtime closed. Thread-safe.
 *
 * <p>Layout of the data directory: {@code ddata/} (the job store, scheduler nodes), {@code agent/} (the agent's
 * allocations, bundles and logs), {@code images/} (the agent's image store).
 */
public final class BerthNode implements AutoCloseable {

    /** How the agent role uses the machine: where its runtime keeps container state, and its CNI network. */
    public record AgentHost(Path runtimeState, NetworkConfig network) {
        /** {@code /run/berth-runtime} and the default network {@code berth} on bridge {@code berth0}. */
        public static AgentHost defaults() {
            return new AgentHost(ContainerRuntime.DEFAULT_STATE_ROOT, NetworkConfig.defaults());
        }
    }

    private static final Logger log = LoggerFactory.getLogger(BerthNode.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final ActorSystem<NodeGuardian.Command> system;
    private final ClusterSettings settings;
    private final URI api;
    private final ImageStore images;
    /** Completed once the agent's stores are closed (at once on a node without the agent role). */
    private final CompletableFuture<Done> storesClosed;
    /** Completed when the shutdown reaches its last phase: everything of Berth's is stopped and closed by then. */
    private final CompletableFuture<Done> lastPhaseReached = new CompletableFuture<>();

    private BerthNode(ActorSystem<NodeGuardian.Command> system, ClusterSettings settings, URI api, ImageStore images,
                      CompletableFuture<Done> storesClosed) {
        this.system = system;
        this.settings = settings;
        this.api = api;
        this.images = images;
        this.storesClosed = storesClosed;
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseActorSystemTerminate(), "berth-last-phase",
                () -> {
                    lastPhaseReached.complete(Done.getInstance());
                    return CompletableFuture.completedFuture(Done.getInstance());
                });
    }

    /**
     * Starts the node and joins the cluster; returns once its API (on a scheduler node) listens and its agent
     * (on an agent node) has started.
     *
     * @param config the operator's settings ({@code berth.cluster}, {@code berth.api}, {@code berth.agent},
     *               Pekko's), laid over the cluster settings and the reference configuration
     * @throws IllegalArgumentException naming the setting when the configuration is invalid
     * @throws IOException when the node's stores cannot be opened
     * @throws IllegalStateException when its API cannot listen (the port is taken)
     */
    public static BerthNode start(ClusterSettings settings, Config config, AgentHost host) throws IOException {
        boolean agent = settings.has(ClusterSettings.Role.AGENT);
        boolean scheduler = settings.has(ClusterSettings.Role.SCHEDULER);
        Config own = config
                .withFallback(ConfigFactory.empty()
                        .withValue("berth.agent.name", ConfigValueFactory.fromAnyRef(settings.nodeName()))
                        .withValue("berth.agent.data-dir", ConfigValueFactory.fromAnyRef(
                                settings.dataDir().resolve("agent").toAbsolutePath().toString())));
        Config full = BerthCluster.config(settings, own);
        AgentConfig agentConfig = agent ? AgentConfig.fromConfig(full) : null;
        ApiSettings apiSettings = scheduler ? ApiSettings.fromConfig(full) : null;

        // the agent's stores first: when one cannot open there is no actor system to undo
        ContainerRuntime runtime = null;
        ImageStore images = null;
        ContainerNetwork network = null;
        if (agent) {
            images = ImageStore.open(settings.dataDir().resolve("images"), ImageStoreOptions.defaults());
            try {
                runtime = ContainerRuntime.open(host.runtimeState());
                network = ContainerNetwork.open(host.network());
            } catch (RuntimeException e) {
                closeQuietly(runtime, images);
                throw e;
            }
        }
        ActorSystem<NodeGuardian.Command> system = BerthCluster.start(settings, NodeGuardian.create(), own);
        try {
            ActorRef<JobStore.Command> jobs = scheduler
                    ? system.systemActorOf(JobStore.create(), "job-store", Props.empty()) : null;
            ActorRef<SchedulerCommand> singleton = SchedulerSingleton.init(system, jobs);
            URI api = null;
            if (scheduler) {
                ApiServer server = ApiServer.start(system, apiSettings, jobs, singleton);
                CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceUnbind(), "berth-api-unbind",
                        () -> CompletableFuture.supplyAsync(() -> {
                            server.close();
                            return Done.getInstance();
                        }));
                api = URI.create(URI.create(server.url()).getScheme() + "://" + hostForUrl(apiSettings.host()) + ":"
                        + server.address().getPort());
            }
            CompletableFuture<Done> storesClosed = new CompletableFuture<>();
            if (agent) {
                startAgent(system, agentConfig, runtime, images, network, singleton, storesClosed);
            } else {
                storesClosed.complete(Done.getInstance());
            }
            log.info("berth node {} up: roles {}, cluster address {}:{}, data in {}{}", settings.nodeName(),
                    settings.roles(), settings.host(), settings.port(), settings.dataDir(),
                    agent && agentConfig.drainOnShutdown() ? "; its allocations stop when it stops" : "");
            return new BerthNode(system, settings, api, images, storesClosed);
        } catch (IOException | RuntimeException e) {
            system.terminate();
            awaitQuietly(system);
            closeQuietly(runtime, images);
            throw e;
        }
    }

    private static void startAgent(ActorSystem<NodeGuardian.Command> system, AgentConfig config,
                                   ContainerRuntime runtime, ImageStore images, ContainerNetwork network,
                                   ActorRef<SchedulerCommand> scheduler, CompletableFuture<Done> storesClosed)
            throws IOException {
        RegistryClient registry = RegistryClient.builder()
                .credentials(CredentialStore.fromDockerConfig(CredentialStore.defaultDockerConfig())).build();
        ImagePuller puller = new ImagePuller(registry, images, ImagePuller.DEFAULT_CONCURRENCY, RetryPolicy.DEFAULT);
        TransferListener pulledBytes = countingPulledBytes();
        ImageFetcher fetcher = name -> puller.pull(ImageReference.parse(name), pulledBytes);
        await(AskPattern.<NodeGuardian.Command, Done>ask(system,
                replyTo -> new NodeGuardian.SpawnAgent(NodeAgent.create(config, runtime, images, fetcher,
                        new CniNetworkSetup(network), Clock.systemUTC(), scheduler), replyTo),
                START_TIMEOUT, system.scheduler()).toCompletableFuture(), "the node agent");
        // after the agent's drain and the cluster exit, and before the system stops: the agent first, then what
        // it used (a container's supervisor may still be closing its logs). The stores close even when the agent
        // does not answer in time: the system's termination stops it then.
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
                "berth-agent-close", () -> AskPattern.<NodeGuardian.Command, Done>ask(system,
                        NodeGuardian.StopAgent::new, Duration.ofSeconds(30), system.scheduler())
                        .handle((done, failure) -> {
                            closeQuietly(runtime, images);
                            storesClosed.complete(Done.getInstance());
                            return Done.getInstance();
                        }));
    }

    /**
     * Counts the image content the agent downloads in Micrometer's global registry, which the API's registry
     * joins when the scheduler runs in the same JVM ({@code berth dev}): {@code /metrics} then shows
     * {@code berth_image_pull_bytes_total}. Each blob counts once, when it is complete and verified (a download
     * resumed after a failure is not counted twice); what was already in the store counts nothing.
     */
    private static TransferListener countingPulledBytes() {
        Counter bytes = Counter.builder("berth.image.pull.bytes").baseUnit(BaseUnits.BYTES)
                .description("image content (manifests, configs, layers) this node's agent downloaded")
                .register(Metrics.globalRegistry);
        return new TransferListener() {
            @Override
            public void finished(Descriptor blob, Outcome outcome) {
                if (outcome == Outcome.DOWNLOADED) {
                    bytes.increment(blob.size());
                }
            }
        };
    }

    /** The API's base address, {@code http://127.0.0.1:7700} ({@code https} with berth.tls.api); null on a node without the scheduler role. */
    public URI apiAddress() {
        return api;
    }

    /** Every live thread with its state and stack, one block per thread (the cause of a hang is in one). */
    private static String threadDump() {
        StringBuilder dump = new StringBuilder();
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            dump.append("\n\"").append(thread.getName()).append("\" ").append(thread.getState());
            for (StackTraceElement frame : stack) {
                dump.append("\n    at ").append(frame);
            }
        });
        return dump.toString();
    }

    /** The agent's image store (the demo puts its image there); null on a node without the agent role. */
    public ImageStore images() {
        return images;
    }

    public ClusterSettings settings() {
        return settings;
    }

    /**
     * Blocks until the node has shut down (a signal, {@link #close}, or the cluster downed it) and its agent's
     * stores are closed (so its data directory may go).
     */
    public void awaitTermination() throws InterruptedException {
        CompletableFuture<?> terminated = system.getWhenTerminated().toCompletableFuture();
        // as long as the shutdown's last phase waits for the system to terminate (10 s by default): after that the
        // shutdown is over, and Pekko's JVM shutdown hook does not wait any longer either
        long grace = CoordinatedShutdown.get(system).timeout(CoordinatedShutdown.PhaseActorSystemTerminate()).toMillis();
        try {
            CompletableFuture.anyOf(terminated, lastPhaseReached).get();
            try {
                terminated.get(grace, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // Seen in the lab, after a stop or a downing while a peer was gone (killed, or cut off): the actor
                // system never finished terminating, which kept the process waiting for minutes, so its supervisor
                // could not restart it. Not established why; a dump showed every thread idle, which fits Pekko 1.x's
                // Artery waiting without a deadline for its streams to complete when it shuts down (bounded upstream
                // by apache/pekko#3317, in no release this build can use). By this phase the agent is stopped and
                // its stores are closed: the process may end.
                log.error("the node's actor system did not terminate within {} ms of its last shutdown phase;"
                        + " the node stops anyway (its stores are closed). Its threads, for finding what held it:{}",
                        grace, threadDump());
            }
            storesClosed.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the node's actor system ended with an error", e.getCause());
        } catch (TimeoutException e) {
            log.warn("the agent's image store and runtime were not closed within 60 s of the node stopping");
        }
    }

    /**
     * Why the node stopped or is stopping; empty while it runs. {@link #close} gives
     * {@link CoordinatedShutdown#jvmExitReason()}; anything else came from the cluster (the node was downed).
     */
    public Optional<CoordinatedShutdown.Reason> stopReason() {
        return CoordinatedShutdown.get(system).getShutdownReason();
    }

    /** Runs the coordinated shutdown (as a stop of the process asks for it) and waits for it. */
    @Override
    public void close() {
        CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.jvmExitReason());
        try {
            awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IllegalStateException e) {
            log.warn("{}", e.getMessage());
        }
    }

    private static <T> T await(CompletableFuture<T> future, String what) throws IOException {
        try {
            return future.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IOException("cannot start " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("cannot start " + what + ": not up after " + START_TIMEOUT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting " + what, e);
        }
    }

    private static void awaitQuietly(ActorSystem<?> system) {
        try {
            system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("the actor system did not terminate cleanly: {}", e.toString());
        }
    }

    private static void closeQuietly(ContainerRuntime runtime, ImageStore images) {
        if (runtime != null) {
            try {
                runtime.close();
            } catch (RuntimeException e) {
                log.warn("closing the runtime: {}", e.toString());
            }
        }
        if (images != null) {
            try {
                images.close();
            } catch (IOException | RuntimeException e) {
                log.warn("closing the image store: {}", e.toString());
            }
        }
    }

    /** 0.0.0.0 is where the API listens, not an address to call: the CLI calls loopback then. */
    private static String hostForUrl(String host) {
        if (host.equals("0.0.0.0") || host.equals("::")) {
            return "127.0.0.1";
        }
        return host.contains(":") ? "[" + host + "]" : host;
    }
}
