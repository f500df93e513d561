package io.berth.agent.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.protocol.oci.runtime.RuntimeSpec;
import io.berth.protocol.oci.runtime.RuntimeSpecs;
import io.berth.runtime.ContainerRuntime;
import io.berth.runtime.CreateOptions;
import io.berth.runtime.ExitStatus;
import io.berth.runtime.Stdio;
import io.berth.runtime.bundle.BusyboxBundle;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real bridge networking through Debian's CNI plugins and real busybox containers, on a bridge, subnet and
 * CNI network name of the test's own, all removed afterwards (rules included) even when a test fails.
 */
class ContainerNetworkTest {
    private static final long PID = ProcessHandle.current().pid();
    private static final String NETWORK = "berth-nt" + PID;
    private static final String BRIDGE = "bnt" + (PID % 1_000_000);
    private static final String SUBNET = "10.231." + (PID % 250) + ".0/24";
    private static final AtomicInteger SEQ = new AtomicInteger();

    private static Path runDir;
    private static Path stateRoot;
    private static ContainerNetwork network;
    private static ContainerRuntime runtime;
    private static final List<String> allocs = new ArrayList<>();

    @TempDir
    Path tmp;

    @BeforeAll
    static void open() throws IOException {
        runDir = Files.createTempDirectory("berth-net-test");
        stateRoot = Files.createTempDirectory("berth-net-runtime");
        network = ContainerNetwork.open(config(Path.of("/usr/lib/cni"), BRIDGE));
        runtime = ContainerRuntime.open(stateRoot);
    }

    private static NetworkConfig config(Path cniPath, String bridge) {
        return new NetworkConfig(runDir, cniPath, NETWORK, bridge, SUBNET, Duration.ofSeconds(30));
    }

    @AfterEach
    void removeContainersAndNetworks() {
        for (var s : runtime.list()) {
            runtime.delete(s.id(), true);
        }
        for (String a : allocs) {
            network.tearDown(a);
        }
        allocs.clear();
    }

    @AfterAll
    static void removeBridgeAndRules() throws IOException {
        runtime.close();
        // the fallback for a teardown that failed: every nat rule tagged with this test's network name, then
        // the per-container chains those rules jumped to (never the shared CNI-HOSTPORT-* ones)
        List<String> chains = new ArrayList<>();
        for (String rule : NetworkHost.natRules()) {
            if (rule.contains("\\\"" + NETWORK + "\\\"")) {
                NetworkHost.run("sh", "-c", "iptables -t nat " + rule.replaceFirst("^-A ", "-D "));
                String target = rule.replaceFirst(".* -j ", "").split(" ")[0];
                if (target.startsWith("CNI-") && !target.startsWith("CNI-HOSTPORT-")) {
                    chains.add(target);
                }
            }
        }
        for (String chain : chains) {
            if (NetworkHost.natRules().stream().noneMatch(r -> r.contains("-j " + chain))) {
                iptables(List.of("-t", "nat", "-F", chain));
                iptables(List.of("-t", "nat", "-X", chain));
            }
        }
        try (Stream<Path> s = Files.walk(runDir)) {
            for (Path p : s.sorted((a, b) -> b.compareTo(a)).toList()) {
                if (NetnsFiles.isMountPoint(p)) {
                    NetworkHost.run("umount", p.toString());
                }
                if (!p.equals(runDir) && !p.equals(runDir.resolve("alloc"))) {
                    Files.deleteIfExists(p);
                }
            }
        }
        network.removeBridge();
        assertThat(Path.of("/sys/class/net", BRIDGE)).doesNotExist();
        assertThat(iptables(LocalnetGuard.rule("-C", BRIDGE))).isNotZero();
        Files.delete(runDir.resolve("alloc"));
        Files.delete(runDir);
        Files.deleteIfExists(stateRoot);
    }

    private static String newAlloc() {
        String id = "a" + PID + "-" + SEQ.incrementAndGet();
        allocs.add(id);
        return id;
    }

    @Test
    void bridgeServesHttpThroughPublishedHostPortOnLoopbackAndThroughContainerIp() throws Exception {
        String alloc = newAlloc();
        int hostPort = NetworkHost.freePort();
        NetworkAttachment net = network.setUp(alloc, NetworkMode.BRIDGE, List.of(PortMapping.tcp(hostPort, 80)), "web");
        assertThat(net.ips()).hasSize(1);
        String ip = net.ips().get(0).ip();
        assertThat(ip).startsWith(SUBNET.substring(0, SUBNET.lastIndexOf('.')));

        Path bundle = bundle(List.of("httpd", "-f", "-p", "80", "-h", "/www"), net);
        Files.createDirectories(bundle.resolve("rootfs/www"));
        Files.writeString(bundle.resolve("rootfs/www/index.html"), "hello from " + alloc + "\n");
        String id = alloc + "-c";
        runtime.create(CreateOptions.of(id, bundle, Stdio.files(null, tmp.resolve("out"), tmp.resolve("err"))));
        runtime.start(id);

        assertThat(NetworkHost.httpGet("127.0.0.1", hostPort, 10_000)).startsWith("HTTP/1.").contains("hello from " + alloc);
        assertThat(NetworkHost.httpGet(ip, 80, 10_000)).contains("hello from " + alloc);
        assertThat(Files.readString(Path.of("/proc/sys/net/ipv4/conf", BRIDGE, "route_localnet")).strip()).isEqualTo("1");
        assertThat(iptables(LocalnetGuard.rule("-C", BRIDGE))).as("localnet guard rule").isZero();
    }

    @Test
    void containersCannotReachServicesBoundToTheHostsLoopbackThoughPortmapTurnedOnRouteLocalnet() throws Exception {
        String alloc = newAlloc();
        NetworkAttachment net = network.setUp(alloc, NetworkMode.BRIDGE,
                List.of(PortMapping.tcp(NetworkHost.freePort(), 80)), "evil");
        String gateway = net.ips().get(0).gateway();
        // what root with CAP_NET_ADMIN (or raw packets) in the container can do: send to 127.0.0.1 via the bridge
        NetworkHost.run("nsenter", "--net=" + net.netnsPath(), "sh", "-c",
                "sysctl -qw net.ipv4.conf.eth0.route_localnet=1 && ip addr del 127.0.0.1/8 dev lo"
                        + " && ip route add 127.0.0.1/32 via " + gateway + " dev eth0");
        try (ServerSocket hostOnly = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            // busybox nc -w does not bound the connect itself; a dropped SYN would wait for the kernel's retries
            String probe = "timeout 3 busybox nc 127.0.0.1 " + hostOnly.getLocalPort() + " -e /bin/true";
            assertThat(exitOf("nsenter", "--net=" + net.netnsPath(), "sh", "-c", probe)).as("blocked").isNotZero();

            // the same probe without the guard reaches the host's loopback: the guard is what blocks it
            iptables(LocalnetGuard.rule("-D", BRIDGE));
            try {
                assertThat(exitOf("nsenter", "--net=" + net.netnsPath(), "sh", "-c", probe)).as("unguarded").isZero();
            } finally {
                LocalnetGuard.ensure(BRIDGE);
            }
        }
    }

    private static int exitOf(String... command) throws Exception {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start().waitFor();
    }

    @Test
    void containerSeesItsAddressAndTheWrittenEtcFiles() throws Exception {
        String alloc = newAlloc();
        NetworkAttachment net = network.setUp(alloc, NetworkMode.BRIDGE, List.of(), "box1");
        String out = runToCompletion(bundle(List.of("sh", "-c",
                "cat /etc/hostname /etc/hosts /etc/resolv.conf; ip -o -4 addr show eth0; ip -o link show lo"), net));

        String ip = net.ips().get(0).ip();
        assertThat(out).contains("box1\n").contains(ip + "\tbox1").contains("127.0.0.1\tlocalhost")
                .contains("inet " + net.ips().get(0).address()).contains("nameserver ");
        assertThat(out.lines().filter(l -> l.startsWith("nameserver ")))
                .noneMatch(l -> l.contains(" 127.") || l.contains("::1"));
        assertThat(out.lines().filter(l -> l.contains(": lo:")).findFirst().orElseThrow()).contains("UP");
    }

    @Test
    void twoAllocationsGetDistinctAddressesAndTeardownRemovesVethLeaseRulesAndNamespace() {
        String a = newAlloc();
        String b = newAlloc();
        NetworkAttachment na = network.setUp(a, NetworkMode.BRIDGE, List.of(PortMapping.tcp(NetworkHost.freePort(), 80)), "a");
        NetworkAttachment nb = network.setUp(b, NetworkMode.BRIDGE, List.of(), "b");
        String ipA = na.ips().get(0).ip();
        String ipB = nb.ips().get(0).ip();
        assertThat(ipA).isNotEqualTo(ipB);
        assertThat(NetworkHost.bridgePorts(BRIDGE)).hasSize(2);
        Path leases = runDir.resolve("ipam").resolve(NETWORK);
        assertThat(leases.resolve(ipA)).exists();
        assertThat(rulesOf(a)).as("portmap and ipMasq rules for %s", a).isNotEmpty()
                .anyMatch(r -> r.contains("CNI-HOSTPORT-DNAT") || r.contains("dnat"));
        assertThat(NetnsFiles.isMountPoint(na.netnsPath())).isTrue();

        assertThat(filterRulesFor(ipA)).as("firewall plugin's FORWARD rules").isNotEmpty();

        network.tearDown(a);

        assertThat(filterRulesFor(ipA)).isEmpty();
        assertThat(NetworkHost.bridgePorts(BRIDGE)).hasSize(1);
        assertThat(leases.resolve(ipA)).doesNotExist();
        assertThat(leases.resolve(ipB)).exists();
        assertThat(rulesOf(a)).isEmpty();
        assertThat(rulesOf(b)).isNotEmpty();
        assertThat(NetnsFiles.isMountPoint(na.netnsPath())).isFalse();
        assertThat(na.netnsPath()).doesNotExist();
        assertThat(na.hostsFile()).doesNotExist();

        network.tearDown(a); // again: nothing to do, no error
        network.tearDown(b);
        assertThat(NetworkHost.bridgePorts(BRIDGE)).isEmpty();
        assertThat(rulesOf(b)).isEmpty();
    }

    @Test
    void concurrentSetUpsGetDistinctAddresses() throws Exception {
        List<String> ids = Stream.generate(ContainerNetworkTest::newAlloc).limit(6).toList();
        ExecutorService pool = Executors.newFixedThreadPool(ids.size());
        try {
            List<Future<NetworkAttachment>> futures = new ArrayList<>();
            for (String id : ids) {
                futures.add(pool.submit(() -> network.setUp(id, NetworkMode.BRIDGE,
                        List.of(PortMapping.tcp(NetworkHost.freePort(), 80)), "p")));
            }
            Set<String> ips = new HashSet<>();
            for (Future<NetworkAttachment> f : futures) {
                ips.add(f.get(60, TimeUnit.SECONDS).ips().get(0).ip());
            }
            assertThat(ips).hasSize(ids.size());
            assertThat(NetworkHost.bridgePorts(BRIDGE)).hasSize(ids.size());
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void restartedNetworkFindsAnAttachmentAndTearsDownOneWhoseSetUpCrashed() throws Exception {
        String done = newAlloc();
        NetworkAttachment made = network.setUp(done, NetworkMode.BRIDGE, List.of(), "d");
        String crashed = newAlloc();
        NetworkAttachment half = network.setUp(crashed, NetworkMode.BRIDGE,
                List.of(PortMapping.tcp(NetworkHost.freePort(), 80)), "c");
        // as if the agent died right after the bridge plugin's ADD: no result recorded, setUp not complete
        Path state = runDir.resolve("alloc").resolve(crashed).resolve("cni.json");
        ObjectNode json = (ObjectNode) RuntimeSpecs.JSON.readTree(state.toFile());
        json.remove("result");
        json.remove("complete");
        Files.write(state, RuntimeSpecs.JSON.writeValueAsBytes(json));

        ContainerNetwork restarted = ContainerNetwork.open(config(Path.of("/usr/lib/cni"), BRIDGE));
        assertThat(restarted.find(done)).contains(made);
        assertThat(restarted.find(crashed)).isEmpty();

        restarted.tearDown(crashed);
        assertThat(runDir.resolve("ipam").resolve(NETWORK).resolve(half.ips().get(0).ip())).doesNotExist();
        assertThat(rulesOf(crashed)).isEmpty();
        assertThat(half.netnsPath()).doesNotExist();
        assertThat(NetworkHost.bridgePorts(BRIDGE)).hasSize(1);
    }

    @Test
    void openingRemovesTheNatRulesOfItsNetworkWhoseAllocationIsUnknownAndNoOthers() {
        String kept = newAlloc();
        network.setUp(kept, NetworkMode.BRIDGE, List.of(PortMapping.tcp(NetworkHost.freePort(), 80)), "k");
        int orphanPort = NetworkHost.freePort();
        String chain = "CNI-DN-orphan" + PID;
        // what an agent killed with its run directory lost leaves: a jump tagged with the network, its chain
        List<String> orphanJump = List.of("-t", "nat", "-A", "CNI-HOSTPORT-DNAT", "-p", "tcp", "-m", "comment",
                "--comment", "dnat name: \"" + NETWORK + "\" id: \"gone-" + PID + "\"", "-m", "multiport",
                "--dports", String.valueOf(orphanPort), "-j", chain);
        List<String> otherNetwork = List.of("-t", "nat", "-A", "CNI-HOSTPORT-DNAT", "-p", "tcp", "-m", "comment",
                "--comment", "dnat name: \"someone-else\" id: \"gone-" + PID + "\"", "-m", "multiport",
                "--dports", String.valueOf(orphanPort), "-j", "RETURN");
        assertThat(iptables(List.of("-t", "nat", "-N", chain))).isZero();
        assertThat(iptables(List.of("-t", "nat", "-A", chain, "-p", "tcp", "-j", "DNAT", "--to-destination",
                "10.255.255.1:80"))).isZero();
        assertThat(iptables(orphanJump)).isZero();
        assertThat(iptables(otherNetwork)).isZero();
        try {
            ContainerNetwork.open(config(Path.of("/usr/lib/cni"), BRIDGE));

            assertThat(rulesOf("gone-" + PID)).as("only the other network's rule is left").singleElement()
                    .asString().contains("someone-else");
            assertThat(iptables(List.of("-t", "nat", "-S", chain))).as("the orphan's chain").isNotZero();
            assertThat(rulesOf(kept)).as("a known allocation's rules").isNotEmpty();
            assertThat(ForwardedPorts.current()).containsEntry("tcp/" + orphanPort, "dnat name: 'someone-else' id: 'gone-" + PID + "'");
        } finally {
            List<String> delete = new ArrayList<>(otherNetwork);
            delete.set(2, "-D");
            assertThat(iptables(delete)).isZero();
            iptables(List.of("-t", "nat", "-D", "CNI-HOSTPORT-DNAT", "-j", chain)); // only if the test failed
        }
    }

    @Test
    void pluginErrorIsReportedWithPluginCodeAndMessageAndLeavesNothingBehind() {
        // "lo" exists and is not a bridge: the bridge plugin refuses it
        ContainerNetwork bad = ContainerNetwork.open(config(Path.of("/usr/lib/cni"), "lo"));
        String alloc = newAlloc();
        assertThatThrownBy(() -> bad.setUp(alloc, NetworkMode.BRIDGE, List.of(PortMapping.tcp(NetworkHost.freePort(), 80)), "x"))
                .isInstanceOfSatisfying(CniException.class, e -> {
                    assertThat(e.plugin()).isEqualTo("bridge");
                    assertThat(e.command()).isEqualTo("ADD");
                    assertThat(e.code()).isPositive();
                    assertThat(e.pluginMessage()).contains("lo");
                    assertThat(e.getMessage()).contains("CNI plugin 'bridge' ADD on network '" + NETWORK + "'");
                });
        assertThat(bad.netnsPath(alloc)).doesNotExist();
        assertThat(runDir.resolve("alloc").resolve(alloc)).doesNotExist();
        assertThat(rulesOf(alloc)).isEmpty();
        assertThat(iptables(LocalnetGuard.rule("-C", "lo"))).as("no localnet guard on lo").isNotZero();
    }

    @Test
    void missingPluginDirectorySaysWhatToInstall() {
        assertThatThrownBy(() -> ContainerNetwork.open(config(tmp, BRIDGE)))
                .isInstanceOfSatisfying(CniException.class, e -> assertThat(e.command()).isEqualTo("VERSION"))
                .hasMessageContaining("containernetworking-plugins");
    }

    @Test
    void checkPassesOnAHealthyNetworkAndNamesThePluginWhenTheVethIsGone() {
        String alloc = newAlloc();
        NetworkAttachment net = network.setUp(alloc, NetworkMode.BRIDGE, List.of(PortMapping.tcp(NetworkHost.freePort(), 80)), "k");
        network.check(alloc);

        NetworkHost.run("nsenter", "--net=" + net.netnsPath(), "ip", "link", "del", "eth0");
        assertThatThrownBy(() -> network.check(alloc))
                .isInstanceOfSatisfying(CniException.class, e -> {
                    assertThat(e.command()).isEqualTo("CHECK");
                    assertThat(e.plugin()).isEqualTo("bridge");
                });

        // the bridge plugin's DEL finds no interface and so skips its masquerade rule: tearDown removes it
        network.tearDown(alloc);
        assertThat(rulesOf(alloc)).isEmpty();
    }

    @Test
    void noneModeHasOnlyLoopbackAndItIsUp() throws Exception {
        String alloc = newAlloc();
        NetworkAttachment net = network.setUp(alloc, NetworkMode.NONE, List.of(), "quiet");
        assertThat(net.ips()).isEmpty();
        String out = runToCompletion(bundle(List.of("ip", "-o", "link"), net));
        List<String> links = out.lines().map(l -> l.split(":\\s+")[1]).toList();
        assertThat(links).containsExactly("lo");
        assertThat(out).contains("UP");
    }

    @Test
    void hostModeHasNoNamespaceAndTheHostsFiles() throws Exception {
        String alloc = newAlloc();
        NetworkAttachment net = network.setUp(alloc, NetworkMode.HOST, List.of(), "h");
        assertThat(net.netnsPath()).isNull();
        assertThat(net.namespace()).isNull();
        assertThat(Files.readString(net.resolvConf())).isEqualTo(Files.readString(Path.of("/etc/resolv.conf")));
        assertThat(Files.readString(net.hostnameFile())).isEqualTo("h\n");
    }

    @Test
    void hostPortInUseIsRefusedAndLeavesNothingBehind() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            String alloc = newAlloc();
            assertThatThrownBy(() -> network.setUp(alloc, NetworkMode.BRIDGE,
                    List.of(PortMapping.tcp(taken.getLocalPort(), 80)), "x"))
                    .isInstanceOf(NetworkException.class)
                    .hasMessageContaining("host port tcp/" + taken.getLocalPort() + " is already in use");
            assertThat(network.netnsPath(alloc)).doesNotExist();
        }
        // a port that a portmap rule of another owner forwards already (a killed agent's leftover, podman's)
        int forwarded = NetworkHost.freePort();
        try (AutoCloseable foreign = NetworkHost.foreignPortmapRule(7, forwarded)) {
            String alloc = newAlloc();
            assertThatThrownBy(() -> network.setUp(alloc, NetworkMode.BRIDGE, List.of(PortMapping.tcp(forwarded, 80)), "x"))
                    .isInstanceOf(NetworkException.class)
                    .hasMessageContaining("host port tcp/" + forwarded + " is already forwarded")
                    .hasMessageContaining("dnat name: 'leftover' id: 'gone'");
            assertThat(network.netnsPath(alloc)).doesNotExist();
            // the agent reports them, so the scheduler does not give them out; not the ports of its own rules
            String own = newAlloc();
            int ownPort = NetworkHost.freePort();
            network.setUp(own, NetworkMode.BRIDGE, List.of(PortMapping.tcp(ownPort, 80)), "o");
            assertThat(network.tcpPortsForwardedByOthers()).contains(7, forwarded).doesNotContain(ownPort);
            network.tearDown(own);
        }
        String first = newAlloc();
        int port = NetworkHost.freePort();
        network.setUp(first, NetworkMode.BRIDGE, List.of(PortMapping.tcp(port, 80)), "x");
        String second = newAlloc();
        assertThatThrownBy(() -> network.setUp(second, NetworkMode.BRIDGE, List.of(PortMapping.tcp(port, 81)), "y"))
                .hasMessageContaining("already published by allocation " + first);
        assertThat(rulesOf(second)).isEmpty();
    }

    @Test
    void badInputIsRefusedNamingTheField() {
        assertThatThrownBy(() -> network.setUp("../x", NetworkMode.BRIDGE, List.of(), "h"))
                .hasMessageContaining("allocation id '../x'");
        assertThatThrownBy(() -> network.setUp("ok", NetworkMode.BRIDGE, List.of(), "bad_host!"))
                .hasMessageContaining("hostname 'bad_host!'");
        assertThatThrownBy(() -> network.setUp("ok", NetworkMode.HOST, List.of(PortMapping.tcp(8080, 80)), "h"))
                .hasMessageContaining("only in bridge mode");
        assertThatThrownBy(() -> PortMapping.tcp(0, 80)).hasMessageContaining("hostPort must be 1..65535");
        assertThatThrownBy(() -> new NetworkConfig(runDir, runDir, "n", "b", "10.0.0.0/33", Duration.ofSeconds(1)))
                .hasMessageContaining("subnet '10.0.0.0/33'");
    }

    /** The nat rules portmap and bridge's ipMasq tagged with the allocation's container id. */
    private static List<String> rulesOf(String alloc) {
        return NetworkHost.natRules().stream().filter(r -> r.contains("id: \\\"" + alloc + "\\\"")).toList();
    }

    private static int iptables(List<String> args) {
        try {
            List<String> command = new ArrayList<>(List.of("iptables", "-w"));
            command.addAll(args);
            return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor();
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** The filter table's rules that name the address. */
    private static List<String> filterRulesFor(String ip) {
        return NetworkHost.run("iptables-save", "-t", "filter").lines()
                .filter(l -> l.startsWith("-A ") && l.contains(" " + ip + "/32 ")).toList();
    }

    /** A busybox bundle running args in the allocation's network, with its /etc files bind-mounted. */
    private Path bundle(List<String> args, NetworkAttachment net) {
        ObjectNode spec = RuntimeSpecs.JSON.valueToTree(BusyboxBundle.defaultSpec(args));
        ArrayNode namespaces = (ArrayNode) spec.get("linux").get("namespaces");
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            if (namespaces.get(i).path("type").asText().equals("network")) {
                namespaces.remove(i);
            }
        }
        if (net.namespace() != null) {
            namespaces.add(RuntimeSpecs.JSON.valueToTree(net.namespace()));
        }
        ArrayNode mounts = (ArrayNode) spec.get("mounts");
        net.mounts().forEach(m -> mounts.add(RuntimeSpecs.JSON.valueToTree(m)));
        return BusyboxBundle.create(tmp.resolve("bundle-" + SEQ.incrementAndGet()),
                RuntimeSpecs.JSON.convertValue(spec, RuntimeSpec.class));
    }

    private String runToCompletion(Path bundle) throws Exception {
        String id = "c" + PID + "-" + SEQ.incrementAndGet();
        Path out = tmp.resolve(id + ".out");
        Path err = tmp.resolve(id + ".err");
        runtime.create(CreateOptions.of(id, bundle, Stdio.files(null, out, err)));
        try {
            runtime.start(id);
            ExitStatus exit = runtime.exitFuture(id).get(30, TimeUnit.SECONDS);
            assertThat(exit.exitCode()).as("exit; stderr: %s", Files.readString(err)).isZero();
            return Files.readString(out);
        } finally {
            runtime.delete(id, true);
        }
    }
}
