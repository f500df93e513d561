package io.berth.agent.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets up and tears down the network of each allocation on this machine.
 *
 * <ul>
 *   <li>{@link NetworkMode#NONE}: a pinned network namespace with its loopback interface up
 *       ({@link NetnsFiles}), and nothing else.</li>
 *   <li>{@link NetworkMode#HOST}: no namespace; the container gets copies of the host's /etc/hosts and
 *       /etc/resolv.conf.</li>
 *   <li>{@link NetworkMode#BRIDGE}: a pinned namespace with loopback up, then the chain {@code bridge}
 *       (isGateway, ipMasq, hairpinMode, host-local IPAM on {@link NetworkConfig#subnet()}) and, when ports
 *       are published, {@code portmap} (with {@code snat}, which also makes 127.0.0.1:hostPort reach the
 *       container: the plugin turns on {@code route_localnet} on the bridge and masquerades such
 *       connections; {@link LocalnetGuard} closes the hole that opens), then {@code firewall} (accepts
 *       the container's forwarded traffic even where the FORWARD policy is DROP). The plugins run as the
 *       CNI spec says ({@link CniInvoker}).</li>
 * </ul>
 *
 * <p>Before the first plugin runs, the CNI configuration is recorded under
 * {@code runDir/alloc/<alloc>/cni.json}, so that {@link #tearDown} can run DEL for every plugin even after
 * the agent crashed halfway through an ADD or restarted since; a failed {@link #setUp} tears down what it
 * made before it throws.
 *
 * <p>Thread-safe: calls for different allocations run in parallel, calls for one allocation one at a time.
 * Every method blocks while plugins run (tens of milliseconds each), so callers keep it off dispatcher
 * threads.
 */
public final class ContainerNetwork {
    private static final Logger log = LoggerFactory.getLogger(ContainerNetwork.class);
    private static final Pattern ALLOC_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final String CNI_VERSION = "1.0.0";
    private static final String IFNAME = "eth0";
    private static final int LOCK_STRIPES = 64;
    private static final List<String> PLUGINS = List.of("bridge", "host-local", "portmap", "firewall");
    private static final int FORWARDED_MAX_AGE_SECONDS = 10;

    /** Every port portmap's rules forward ("tcp/8080"), whoever owns them, as read at a time. */
    private record ForwardedSnapshot(long readAtNanos, Set<String> ports) {}

    private final NetworkConfig config;
    private final CniInvoker cni;
    private final Object[] locks = new Object[LOCK_STRIPES];
    /** "tcp/8080" -> the allocation publishing it. Guarded by itself. */
    private final Map<String, String> hostPorts = new HashMap<>();
    /** The last read of portmap's rules, for {@link #tcpPortsForwardedByOthers}; null before the first. */
    private volatile ForwardedSnapshot forwarded;

    private ContainerNetwork(NetworkConfig config) {
        this.config = config;
        this.cni = new CniInvoker(config.cniPath(), config.pluginTimeout());
        for (int i = 0; i < LOCK_STRIPES; i++) {
            locks[i] = new Object();
        }
    }

    /**
     * Opens the networking of this machine: asks each plugin it uses for the CNI versions it supports (the
     * spec's VERSION command), creates the run directory and reclaims the host ports of the allocations an
     * earlier agent set up and did not tear down.
     *
     * @throws CniException     if a plugin is missing or too old for CNI 1.0.0
     * @throws NetworkException if the run directory cannot be created or read
     */
    public static ContainerNetwork open(NetworkConfig config) {
        ContainerNetwork n = new ContainerNetwork(config);
        for (String plugin : PLUGINS) {
            List<String> versions = n.cni.supportedVersions(plugin, CNI_VERSION);
            if (!versions.contains(CNI_VERSION)) {
                throw new CniException(plugin, "VERSION", config.networkName(), -1, "supports CNI " + versions + ", not "
                        + CNI_VERSION + " (install containernetworking-plugins 1.0 or later: ops/setup-host)", null);
            }
        }
        try {
            Files.createDirectories(n.allocsDir());
            Files.createDirectories(n.netnsDir());
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(n.allocsDir())) {
                for (Path d : dirs) {
                    JsonNode state = n.readState(d.getFileName().toString());
                    if (state != null) {
                        for (JsonNode p : state.path("ports")) {
                            n.hostPorts.put(p.path("protocol").asText() + "/" + p.path("hostPort").asInt(),
                                    d.getFileName().toString());
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new NetworkException("cannot prepare " + config.runDir() + ": " + e.getMessage(), e);
        }
        n.removeOrphanRules();
        return n;
    }

    /**
     * Removes the nat rules tagged with this network's name whose allocation has no state here: an agent
     * killed with a temporary run directory, or one whose directory was lost, leaves its portmap and
     * masquerade rules behind, and a forwarding rule that outlives its container takes the traffic of
     * whatever later publishes that host port. Rules of other networks are left alone.
     */
    private void removeOrphanRules() {
        Set<String> known;
        try (Stream<Path> dirs = Files.list(allocsDir())) {
            known = dirs.map(d -> d.getFileName().toString()).collect(Collectors.toSet());
        } catch (IOException e) {
            throw new NetworkException("cannot list " + allocsDir() + ": " + e.getMessage(), e);
        }
        Set<String> removed = removeTaggedRules(id -> !known.contains(id));
        if (!removed.isEmpty()) {
            log.warn("network {}: removed the nat rules of {} (no allocation of this agent has that id: an earlier"
                    + " agent lost its state)", config.networkName(), removed);
        }
    }

    /**
     * Deletes the nat rules tagged with this network's name and an allocation id the predicate accepts, and
     * the per-container chains they jump to; returns those ids.
     */
    private Set<String> removeTaggedRules(Predicate<String> allocIds) {
        Pattern tag = Pattern.compile("name: \\\\\"" + Pattern.quote(config.networkName())
                + "\\\\\" id: \\\\\"([^\\\\]+)\\\\\"");
        Set<String> chains = new TreeSet<>();
        Set<String> ids = new TreeSet<>();
        for (String rule : Iptables.run(List.of("-t", "nat", "-S")).output().lines().toList()) {
            var m = tag.matcher(rule);
            if (rule.startsWith("-A ") && m.find() && allocIds.test(m.group(1))) {
                List<String> delete = Iptables.arguments(rule);
                delete.set(0, "-D");
                delete.addAll(0, List.of("-t", "nat"));
                Iptables.run(delete);
                ids.add(m.group(1));
                String target = delete.get(delete.indexOf("-j") + 1);
                if (target.startsWith("CNI-") && !target.startsWith("CNI-HOSTPORT-")) {
                    chains.add(target);
                }
            }
        }
        for (String chain : chains) {
            Iptables.run(List.of("-t", "nat", "-F", chain));
            Iptables.run(List.of("-t", "nat", "-X", chain));
        }
        return ids;
    }

    /**
     * Gives an allocation its network.
     *
     * @param allocId      the allocation: 1 to 128 of {@code [A-Za-z0-9_.-]}, starting with a letter or digit
     *                     (it is also the CNI container id)
     * @param mode         the network mode; never null
     * @param portMappings the host ports to publish; must be empty unless mode is BRIDGE; never null
     * @param hostname     the container's host name, for /etc/hostname and /etc/hosts
     * @return where the container joins and what to bind-mount
     * @throws IllegalArgumentException for a bad id, hostname or port list (the message names it)
     * @throws IllegalStateException    if the allocation is already set up (tear it down first)
     * @throws NetworkException         if a host port is taken or a namespace or file cannot be made;
     *                                  {@link CniException} if a plugin fails. Nothing is left behind then.
     */
    public NetworkAttachment setUp(String allocId, NetworkMode mode, List<PortMapping> portMappings, String hostname) {
        checkAllocId(allocId);
        EtcFiles.checkHostname(hostname);
        if (mode != NetworkMode.BRIDGE && !portMappings.isEmpty()) {
            throw new IllegalArgumentException("allocation " + allocId + ": ports can be published only in bridge"
                    + " mode, not " + mode);
        }
        synchronized (lock(allocId)) {
            if (Files.exists(allocDir(allocId)) || Files.exists(netnsPath(allocId))) {
                throw new IllegalStateException("allocation " + allocId + " already has a network under "
                        + config.runDir() + "; tear it down first");
            }
            claimPorts(allocId, portMappings);
            try {
                return doSetUp(allocId, mode, portMappings, hostname);
            } catch (IOException e) {
                NetworkException failure = new NetworkException("allocation " + allocId
                        + ": cannot write its network files: " + e.getMessage(), e);
                cleanUpAfter(allocId, failure);
                throw failure;
            } catch (RuntimeException e) {
                cleanUpAfter(allocId, e);
                throw e;
            }
        }
    }

    private void cleanUpAfter(String allocId, RuntimeException e) {
        try {
            tearDown(allocId);
        } catch (RuntimeException cleanup) {
            e.addSuppressed(cleanup);
        }
    }

    /**
     * The TCP host ports that portmap rules of other owners forward on this machine (another CNI network, podman,
     * containerd, a killed agent's leftovers): the ports {@link #setUp} would refuse. The scheduler should not give
     * them out. Agents ask with every heartbeat, so the rules are read ({@code iptables -S} of portmap's chain) at
     * most every {@value #FORWARDED_MAX_AGE_SECONDS} s; empty when portmap never ran here.
     */
    public Set<Integer> tcpPortsForwardedByOthers() {
        ForwardedSnapshot snapshot = forwarded;
        if (snapshot == null || System.nanoTime() - snapshot.readAtNanos() > FORWARDED_MAX_AGE_SECONDS * 1_000_000_000L) {
            snapshot = new ForwardedSnapshot(System.nanoTime(), Set.copyOf(ForwardedPorts.current().keySet()));
            forwarded = snapshot;
        }
        Set<Integer> ports = new TreeSet<>();
        synchronized (hostPorts) {
            for (String key : snapshot.ports()) {
                if (key.startsWith("tcp/") && !hostPorts.containsKey(key)) {
                    ports.add(Integer.parseInt(key.substring("tcp/".length())));
                }
            }
        }
        return ports;
    }

    /**
     * The network an earlier {@link #setUp} made for the allocation, also one made by an agent before it
     * restarted (for live restore).
     *
     * @return empty if the allocation has none, or if its setUp never completed (the agent crashed during
     *     it): {@link #tearDown} it then
     * @throws NetworkException if its recorded state cannot be read
     */
    public Optional<NetworkAttachment> find(String allocId) {
        checkAllocId(allocId);
        synchronized (lock(allocId)) {
            JsonNode state = readState(allocId);
            if (state == null || !state.path("complete").asBoolean()) {
                return Optional.empty();
            }
            return Optional.of(attachment(allocId, state));
        }
    }

    /**
     * Asks every plugin of a bridge-mode allocation whether what it set up is still in place (the spec's
     * CHECK, with the ADD result as prevResult): the veth, the address and routes, the masquerading and
     * FORWARD rules. Not portmap's rules (see the comment inside). Does nothing for other modes.
     *
     * @throws IllegalStateException if the allocation has no completed network
     * @throws CniException          naming the first plugin that finds something missing
     */
    public void check(String allocId) {
        checkAllocId(allocId);
        synchronized (lock(allocId)) {
            JsonNode state = readState(allocId);
            if (state == null || !state.path("complete").asBoolean()) {
                throw new IllegalStateException("allocation " + allocId + " has no network set up");
            }
            for (JsonNode plugin : state.path("chain")) {
                if (plugin.path("type").asText().equals("portmap")) {
                    // Debian 12's portmap (1.1.1) fails CHECK on an IPv4-only network, looking for IPv6 rules it
                    // never made: containernetworking/plugins#819
                    continue;
                }
                ObjectNode conf = ((ObjectNode) plugin).deepCopy();
                conf.set("prevResult", state.get("result"));
                cni.invoke("CHECK", allocId, netnsPath(allocId), IFNAME, conf);
            }
        }
    }

    /**
     * Removes everything {@link #setUp} made for an allocation: DEL for every plugin (in reverse order,
     * each attempted even when another fails; the plugins make DEL idempotent), the namespace (umount and
     * unlink), the files and the port claims. Doing it again, or for an allocation never set up, does
     * nothing. The container should have exited first.
     *
     * @throws CniException if a plugin's DEL failed: the CNI state is kept, so calling again retries it
     */
    public void tearDown(String allocId) {
        checkAllocId(allocId);
        synchronized (lock(allocId)) {
            JsonNode state = readState(allocId);
            CniException failed = null;
            if (state != null) {
                failed = deleteAll(allocId, state);
            }
            NetnsFiles.remove(netnsPath(allocId));
            deleteTree(allocDir(allocId), failed == null ? null : "cni.json");
            if (failed != null) {
                throw failed;
            }
            if (state != null && state.has("chain")) {
                // the bridge plugin's DEL skips its masquerade rule when the container's interface is gone
                Set<String> leaked = removeTaggedRules(allocId::equals);
                if (!leaked.isEmpty()) {
                    log.info("allocation {}: removed nat rules its plugins' DEL left", allocId);
                }
            }
            synchronized (hostPorts) {
                hostPorts.values().removeIf(allocId::equals);
            }
        }
    }

    /**
     * Deletes the bridge and {@link LocalnetGuard}'s rule for it, which outlive the allocations (the next
     * bridge-mode allocation makes them again). For tests and for retiring a machine; doing it twice does
     * nothing.
     *
     * @throws IllegalStateException if an allocation still has a network here
     * @throws NetworkException      if {@code ip} or {@code iptables} fails
     */
    public void removeBridge() {
        try (Stream<Path> allocs = Files.list(allocsDir())) {
            List<String> left = allocs.map(p -> p.getFileName().toString()).toList();
            if (!left.isEmpty()) {
                throw new IllegalStateException("allocations " + left + " still have networks; tear them down first");
            }
        } catch (IOException e) {
            throw new NetworkException("cannot list " + allocsDir() + ": " + e.getMessage(), e);
        }
        LocalnetGuard.remove(config.bridgeName());
        if (Files.exists(Path.of("/sys/class/net", config.bridgeName()))) {
            NetnsFiles.run("ip", "link", "del", config.bridgeName());
        }
    }

    private NetworkAttachment doSetUp(String allocId, NetworkMode mode, List<PortMapping> ports, String hostname)
            throws IOException {
        Path dir = allocDir(allocId);
        Files.createDirectories(dir);
        ObjectNode state = CniInvoker.JSON.createObjectNode();
        state.put("mode", mode.name());
        ArrayNode portsJson = state.putArray("ports");
        ports.forEach(p -> portsJson.addObject().put("hostPort", p.hostPort()).put("containerPort", p.containerPort())
                .put("protocol", p.protocol()));
        if (mode == NetworkMode.BRIDGE) {
            ArrayNode chain = state.putArray("chain");
            chain.add(bridgeConfig());
            if (!ports.isEmpty()) {
                chain.add(portmapConfig(portsJson));
            }
            // lets the container's traffic through a FORWARD chain whose policy is DROP (as Docker leaves it)
            chain.add(pluginConfig(config.networkName(), "firewall").put("backend", "iptables"));
        }
        // recorded before the first plugin runs, so a crash from here on still lets tearDown run DEL
        writeState(allocId, state);

        Path netns = netnsPath(allocId);
        JsonNode result = null;
        if (mode != NetworkMode.HOST) {
            NetnsFiles.create(netns);
        }
        if (mode == NetworkMode.BRIDGE) {
            for (JsonNode plugin : state.get("chain")) {
                ObjectNode conf = ((ObjectNode) plugin).deepCopy();
                if (conf.path("type").asText().equals("portmap")) {
                    // before portmap turns on route_localnet, once the bridge plugin has made the bridge
                    LocalnetGuard.ensure(config.bridgeName());
                }
                if (result != null) {
                    conf.set("prevResult", result);
                }
                result = cni.invoke("ADD", allocId, netns, IFNAME, conf);
                if (result == null) {
                    throw new CniException(conf.path("type").asText(), "ADD", config.networkName(), -1,
                            "printed no result", null);
                }
                // after each plugin, so a DEL after a crash gets the latest result as its prevResult
                state.set("result", result);
                writeState(allocId, state);
            }
            if (!result.path("ips").elements().hasNext()) {
                throw new CniException("bridge", "ADD", config.networkName(), -1, "result has no IP address: "
                        + result, null);
            }
        }
        NetworkAttachment attachment = attachment(allocId, state);
        List<String> addresses = attachment.ips().stream().map(NetworkAttachment.IpConfig::ip).toList();
        Path etcHosts = Path.of("/etc/hosts");
        Path etcResolv = Path.of("/etc/resolv.conf");
        Files.writeString(attachment.hostnameFile(), hostname + "\n");
        if (mode == NetworkMode.HOST) {
            Files.writeString(attachment.hostsFile(), readOr(etcHosts, EtcFiles.hosts(hostname, List.of())));
            Files.writeString(attachment.resolvConf(), readOr(etcResolv, ""));
        } else {
            Files.writeString(attachment.hostsFile(), EtcFiles.hosts(hostname, addresses));
            JsonNode dns = result == null ? CniInvoker.JSON.createObjectNode() : result.path("dns");
            Files.writeString(attachment.resolvConf(), EtcFiles.resolvConf(readOr(etcResolv, ""),
                    strings(dns.path("nameservers")), strings(dns.path("search"))));
        }
        state.put("complete", true);
        writeState(allocId, state);
        log.debug("allocation {}: {} network {} with {}", allocId, mode, attachment.netnsPath(), addresses);
        return attachment;
    }

    private NetworkAttachment attachment(String allocId, JsonNode state) {
        NetworkMode mode = NetworkMode.valueOf(state.path("mode").asText());
        List<NetworkAttachment.IpConfig> ips = new ArrayList<>();
        for (JsonNode ip : state.path("result").path("ips")) {
            ips.add(new NetworkAttachment.IpConfig(ip.path("address").asText(),
                    ip.hasNonNull("gateway") ? ip.get("gateway").asText() : null));
        }
        Path dir = allocDir(allocId);
        return new NetworkAttachment(allocId, mode, mode == NetworkMode.HOST ? null : netnsPath(allocId), ips,
                dir.resolve("hosts"), dir.resolve("resolv.conf"), dir.resolve("hostname"));
    }

    /** DEL for the chain in reverse order, with the cached ADD result as prevResult. */
    private CniException deleteAll(String allocId, JsonNode state) {
        CniException first = null;
        Path netns = netnsPath(allocId);
        List<JsonNode> chain = new ArrayList<>();
        state.path("chain").forEach(chain::add);
        JsonNode result = state.get("result");
        for (int i = chain.size() - 1; i >= 0; i--) {
            ObjectNode conf = ((ObjectNode) chain.get(i)).deepCopy();
            if (result != null) {
                conf.set("prevResult", result);
            }
            first = attemptDel(allocId, netns, IFNAME, conf, first);
        }
        return first;
    }

    private CniException attemptDel(String allocId, Path netns, String ifName, ObjectNode conf, CniException first) {
        try {
            cni.invoke("DEL", allocId, netns, ifName, conf);
            return first;
        } catch (CniException e) {
            log.warn("allocation {}: {}", allocId, e.getMessage());
            if (first != null) {
                first.addSuppressed(e);
                return first;
            }
            return e;
        }
    }

    private ObjectNode pluginConfig(String name, String type) {
        ObjectNode c = CniInvoker.JSON.createObjectNode();
        c.put("cniVersion", CNI_VERSION).put("name", name).put("type", type);
        return c;
    }

    private ObjectNode bridgeConfig() {
        ObjectNode c = pluginConfig(config.networkName(), "bridge");
        c.put("bridge", config.bridgeName()).put("isGateway", true).put("ipMasq", true).put("hairpinMode", true);
        ObjectNode ipam = c.putObject("ipam");
        ipam.put("type", "host-local");
        ipam.putArray("ranges").addArray().addObject().put("subnet", config.subnet());
        ipam.putArray("routes").addObject().put("dst", "0.0.0.0/0");
        ipam.put("dataDir", config.runDir().resolve("ipam").toString());
        return c;
    }

    /** portmap, with the mappings passed as the spec passes a capability: in {@code runtimeConfig}. */
    private ObjectNode portmapConfig(ArrayNode ports) {
        ObjectNode c = pluginConfig(config.networkName(), "portmap");
        c.putObject("capabilities").put("portMappings", true);
        c.put("snat", true);
        c.putObject("runtimeConfig").set("portMappings", ports.deepCopy());
        return c;
    }

    /**
     * Claims the host ports for the allocation: none may be published by another allocation here, be bound
     * by a process on the host (portmap's DNAT would silently steal its traffic), or be forwarded already by
     * a portmap rule this agent did not make (that rule would win and take the allocation's traffic).
     */
    private void claimPorts(String allocId, List<PortMapping> ports) {
        if (ports.isEmpty()) {
            return;
        }
        synchronized (hostPorts) {
            Map<String, String> forwarded = ForwardedPorts.current();
            List<String> keys = new ArrayList<>();
            for (PortMapping p : ports) {
                String key = p.protocol() + "/" + p.hostPort();
                String owner = hostPorts.get(key);
                if (owner != null || keys.contains(key)) {
                    throw new NetworkException("allocation " + allocId + ": host port " + key + " is already"
                            + " published by allocation " + (owner != null ? owner : allocId));
                }
                if (forwarded.containsKey(key)) {
                    throw new NetworkException("allocation " + allocId + ": host port " + key + " is already"
                            + " forwarded by a portmap rule of another owner (" + forwarded.get(key) + "); see"
                            + " 'iptables -t nat -S CNI-HOSTPORT-DNAT', remove the rule if its container is gone,"
                            + " or publish another port");
                }
                checkUnbound(allocId, p);
                keys.add(key);
            }
            keys.forEach(k -> hostPorts.put(k, allocId));
        }
    }

    private static void checkUnbound(String allocId, PortMapping p) {
        InetSocketAddress any = new InetSocketAddress(p.hostPort());
        try {
            if (p.protocol().equals("tcp")) {
                try (ServerSocket s = new ServerSocket()) {
                    s.setReuseAddress(true);
                    s.bind(any);
                }
            } else {
                try (DatagramSocket s = new DatagramSocket(any)) {
                    s.getLocalPort();
                }
            }
        } catch (IOException e) {
            throw new NetworkException("allocation " + allocId + ": host port " + p.protocol() + "/" + p.hostPort()
                    + " is already in use on this machine (" + e.getMessage() + ")");
        }
    }

    private JsonNode readState(String allocId) {
        Path f = allocDir(allocId).resolve("cni.json");
        try {
            return CniInvoker.JSON.readTree(f.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            return null;
        } catch (IOException e) {
            throw new NetworkException("allocation " + allocId + ": cannot read " + f + ": " + e.getMessage()
                    + " (remove the allocation's namespace and this directory by hand)", e);
        }
    }

    /** Written to a temporary file and renamed, so a crash leaves the old state or the new, never half. */
    private void writeState(String allocId, JsonNode state) throws IOException {
        Path f = allocDir(allocId).resolve("cni.json");
        Path tmp = f.resolveSibling("cni.json.tmp");
        Files.write(tmp, CniInvoker.JSON.writeValueAsBytes(state));
        try {
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteTree(Path dir, String keep) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                if (keep != null && (p.equals(dir) || p.getFileName().toString().equals(keep))) {
                    continue;
                }
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new NetworkException("cannot remove " + dir + ": " + e.getMessage(), e);
        }
    }

    private static String readOr(Path file, String fallback) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return fallback;
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static void checkAllocId(String allocId) {
        if (allocId == null || !ALLOC_ID.matcher(allocId).matches()) {
            throw new IllegalArgumentException("allocation id '" + allocId + "': 1 to 128 letters, digits, '_', '.'"
                    + " or '-', starting with a letter or digit");
        }
    }

    private Object lock(String allocId) {
        return locks[Math.floorMod(allocId.hashCode(), LOCK_STRIPES)];
    }

    private Path allocsDir() {
        return config.runDir().resolve("alloc");
    }

    private Path netnsDir() {
        return config.runDir().resolve("netns");
    }

    private Path allocDir(String allocId) {
        return allocsDir().resolve(allocId);
    }

    /** Where the allocation's network namespace is pinned. */
    public Path netnsPath(String allocId) {
        return netnsDir().resolve(allocId);
    }
}
