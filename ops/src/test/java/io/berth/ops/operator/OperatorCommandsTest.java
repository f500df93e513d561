package io.berth.ops.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.berth.agent.network.ContainerNetwork;
import io.berth.agent.network.NetworkConfig;
import io.berth.ops.Berth;
import io.berth.ops.cli.ExitCodes;
import io.berth.ops.node.BerthNode;
import io.berth.ops.node.DevNode;
import io.berth.scheduler.cluster.ClusterSettings;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * {@code berth cluster} and {@code berth job-store} against real dev nodes: a snapshot of one node's jobs restored
 * into a fresh one gives the same jobs, versions and stopped states. The jobs ask for a datacenter no node is in,
 * so nothing is placed: the test is about the store.
 */
class OperatorCommandsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final long PID = ProcessHandle.current().pid();
    static final String MANAGE = "manage-token-" + PID + "-0123456789";
    static final String READ = "read-only-token-" + PID + "-0123456789";

    static Path dir;
    static NetworkConfig network;

    record Result(int exit, String out, String err) {}

    static Result berth(String address, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Berth.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(args));
        if (address != null) {
            all.addAll(List.of("--address", address));
        }
        if (!all.contains("--token")) {
            all.addAll(List.of("--token", MANAGE));
        }
        return new Result(cli.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    @BeforeAll
    static void setUp() throws Exception {
        dir = Files.createTempDirectory("berth-operator-test");
        network = new NetworkConfig(dir.resolve("net"), Path.of("/usr/lib/cni"), "berth-op" + PID,
                "bop" + (PID % 1_000_000), "10.234." + (PID % 250) + ".0/24", Duration.ofSeconds(30));
    }

    @AfterAll
    static void tearDown() throws Exception {
        ContainerNetwork.open(network).removeBridge();
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static DevNode dev(String name) throws Exception {
        return DevNode.start(null, 0, ConfigFactory.parseString("""
                berth.api.tokens = [{ secret = "%s", role = management }, { secret = "%s", role = read-only }]
                """.formatted(MANAGE, READ)), new BerthNode.AgentHost(dir.resolve(name), network));
    }

    static Path job(String id, int count) throws Exception {
        Path file = dir.resolve(id + "-" + count + ".json");
        Files.writeString(file, """
                {"id": "%s", "type": "service", "datacenters": ["nowhere"],
                 "groups": [{"name": "web", "count": %d, "tasks": [{
                   "name": "httpd", "image": "localhost/berth-test/none:1", "command": ["/bin/sh"],
                   "resources": {"cpu_mhz": 100, "memory_mb": 32}}]}]}
                """.formatted(id, count));
        return file;
    }

    /** The snapshot without what a restore cannot keep (times, version numbers). */
    static List<String> comparable(JsonNode snapshot) {
        List<String> out = new ArrayList<>();
        for (JsonNode job : snapshot.path("jobs")) {
            StringBuilder s = new StringBuilder(job.path("id").asText() + " stopped=" + job.path("stopped"));
            for (JsonNode v : job.path("versions")) {
                s.append(" | ").append(v.path("spec"));
            }
            out.add(s.toString());
        }
        return out;
    }

    @Test
    void membersListsTheNodeAndASnapshotRestoresIntoAFreshClusterWithTheManagementToken() throws Exception {
        Path file = dir.resolve("jobs.snapshot.json");
        JsonNode original;
        try (DevNode source = dev("source")) {
            String address = source.node().apiAddress().toString();
            Result members = berth(address, "cluster", "members");
            assertThat(members.exit()).as(members.err()).isZero();
            assertThat(members.out()).startsWith("ADDRESS").contains("up").contains("agent,scheduler").contains("yes");
            Result unknown = berth(address, "cluster", "leave", "10.9.9.9:1");
            assertThat(unknown.exit()).isEqualTo(ExitCodes.NOT_FOUND);
            assertThat(unknown.err()).contains("no cluster member at 10.9.9.9:1");
            // a read-only token lists the members but neither changes them nor reads the job specs
            assertThat(berth(address, "cluster", "members", "--token", READ).exit()).isZero();
            String self = members.out().lines().skip(1).findFirst().orElseThrow().split(" +")[0];
            assertThat(berth(address, "cluster", "down", self, "--token", READ).exit()).isEqualTo(ExitCodes.DENIED);
            assertThat(berth(address, "cluster", "leave", self, "--token", READ).exit()).isEqualTo(ExitCodes.DENIED);
            assertThat(berth(address, "job-store", "snapshot", file.toString(), "--token", READ).exit())
                    .isEqualTo(ExitCodes.DENIED);
            assertThat(file).doesNotExist();

            for (String[] args : List.of(new String[] {"web", "1"}, new String[] {"web", "3"},
                    new String[] {"batch", "1"}, new String[] {"old", "2"})) {
                Result run = berth(address, "job", "run", "--detach", job(args[0], Integer.parseInt(args[1])).toString());
                assertThat(run.exit()).as(run.out() + run.err()).isZero();
            }
            assertThat(berth(address, "job", "stop", "old").exit()).isZero();

            Result snapshot = berth(address, "job-store", "snapshot", file.toString());
            assertThat(snapshot.exit()).as(snapshot.err()).isZero();
            assertThat(snapshot.out()).contains("3 jobs");
            assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            original = JSON.readTree(file.toFile());
        }
        assertThat(comparable(original)).hasSize(3).anyMatch(j -> j.startsWith("old stopped=true"));
        assertThat(original.path("jobs").findValues("versions").stream().mapToInt(JsonNode::size).sum())
                .isGreaterThanOrEqualTo(4);

        try (DevNode target = dev("target")) {
            String address = target.node().apiAddress().toString();
            Result restore = berth(address, "job-store", "restore", file.toString());
            assertThat(restore.exit()).as(restore.out() + restore.err()).isZero();
            assertThat(restore.out()).contains("3 jobs");
            Path again = dir.resolve("again.json");
            assertThat(berth(address, "job-store", "snapshot", again.toString()).exit()).isZero();
            assertThat(comparable(JSON.readTree(again.toFile()))).isEqualTo(comparable(original));
        }
    }

    /** Leave (graceful) and down (what one does to a member that is gone) both take the member out. */
    @ParameterizedTest
    @ValueSource(strings = {"leave", "down"})
    void anAgentMadeToLeaveOrDownedStopsAndIsNoLongerAMember(String action) throws Exception {
        NetworkConfig agentNetwork = new NetworkConfig(dir.resolve("net2"), Path.of("/usr/lib/cni"),
                "berth-oq" + PID, "boq" + (PID % 1_000_000), "10.235." + (PID % 250) + ".0/24", Duration.ofSeconds(30));
        try (DevNode dev = dev(action + "-dev")) {
            String address = dev.node().apiAddress().toString();
            String seed = berth(address, "cluster", "members").out().lines().skip(1).findFirst().orElseThrow()
                    .split(" +")[0];
            int port;
            try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = free.getLocalPort();
            }
            ClusterSettings settings = new ClusterSettings("leaver", "127.0.0.1", port,
                    EnumSet.of(ClusterSettings.Role.AGENT), List.of(seed), dir.resolve(action + "-agent"), false);
            BerthNode agent = BerthNode.start(settings, ConfigFactory.empty(),
                    new BerthNode.AgentHost(dir.resolve(action + "-runtime"), agentNetwork));
            try {
                String member = "127.0.0.1:" + port;
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        berth(address, "cluster", "members").out().lines().anyMatch(l -> l.startsWith(member + " ")
                                && l.contains(" up ")));
                Result change = berth(address, "cluster", action, member);
                assertThat(change.exit()).as(change.err()).isZero();
                assertThat(change.out()).contains(member);
                await().atMost(Duration.ofSeconds(30)).until(() -> agent.stopReason().isPresent());
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        berth(address, "cluster", "members").out().lines().noneMatch(l -> l.startsWith(member + " ")));
            } finally {
                agent.close();
                ContainerNetwork.open(agentNetwork).removeBridge();
            }
        }
    }

    @Test
    void restoreRefusesAMalformedSnapshotNamingTheLineOrField() throws Exception {
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"jobs\": [\n  {\"id\": \"web\",\n  \"stopped\": false\n  \"versions\": []}]}\n");
        Result malformed = berth("http://127.0.0.1:9", "job-store", "restore", broken.toString());
        assertThat(malformed.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(malformed.err()).contains(broken + ": line 4").contains("malformed JSON");

        Files.writeString(broken, "{\"jobs\": [{\"id\": \"web\", \"stopped\": false, \"versions\": "
                + "[{\"version\": 1, \"spec\": {\"id\": \"other\"}}]}]}");
        Result wrongId = berth("http://127.0.0.1:9", "job-store", "restore", broken.toString());
        assertThat(wrongId.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(wrongId.err()).contains("jobs[0].versions[0].spec.id: 'other' is not the job's id 'web'");
    }
}
