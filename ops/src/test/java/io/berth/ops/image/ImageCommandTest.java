package io.berth.ops.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.ops.Berth;
import io.berth.protocol.oci.image.Platform;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code berth image ...} end to end: an umoci layout imported, pushed to a real docker-registry, pulled back. */
public class ImageCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One run of the command line. */
    record Result(int exit, String out, String err) { }

    private static Result berth(Path store, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Berth.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(args));
        all.add(2, "--store=" + store);
        int exit = cli.execute(all.toArray(String[]::new));
        return new Result(exit, out.toString(), err.toString());
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + output).isZero();
    }

    @Test
    void importListPushRemovePullInspectExportAndPruneAgainstARealRegistry(@TempDir Path dir) throws Exception {
        // an OCI layout written by umoci, with busybox inside
        Path layout = dir.resolve("layout");
        run("umoci", "init", "--layout", layout.toString());
        run("umoci", "new", "--image", layout + ":v1");
        run("umoci", "unpack", "--image", layout + ":v1", dir.resolve("bundle").toString());
        Files.createDirectories(dir.resolve("bundle/rootfs/bin"));
        Files.copy(Path.of("/bin/busybox"), dir.resolve("bundle/rootfs/bin/busybox"));
        run("umoci", "repack", "--image", layout + ":v1", dir.resolve("bundle").toString());
        run("umoci", "config", "--image", layout + ":v1", "--os", "linux", "--architecture", Platform.current().architecture());

        Process registry = startRegistry(dir.resolve("registry"));
        try {
            String port = Files.readString(dir.resolve("registry/port"));
            String name = "127.0.0.1:" + port + "/cli/app:v1";
            Path store = dir.resolve("store");

            Result imported = berth(store, "image", "import", layout.toString(), "--repository", "127.0.0.1:" + port + "/cli/app");
            assertThat(imported.exit()).as(imported.err()).isZero();
            assertThat(imported.out()).contains("imported " + name);

            JsonNode listed = JSON.readTree(berth(store, "image", "ls", "--json").out());
            assertThat(listed).hasSize(1);
            assertThat(listed.get(0).get("name").asText()).isEqualTo(name);
            assertThat(listed.get(0).get("size").asLong()).isGreaterThan(500_000);

            Result pushed = berth(store, "image", "push", name);
            assertThat(pushed.exit()).as(pushed.err()).isZero();
            assertThat(pushed.out()).contains("pushed " + name);
            assertThat(pushed.err()).contains("uploaded");

            assertThat(berth(store, "image", "rm", name).exit()).isZero();
            assertThat(JSON.readTree(berth(store, "image", "ls", "--json").out())).isEmpty();

            Result pulled = berth(store, "image", "pull", name);
            assertThat(pulled.exit()).as(pulled.err()).isZero();
            assertThat(pulled.out()).contains("pulled " + name);
            // the layers were removed only by name, so they are still in the content store
            assertThat(pulled.err()).contains("already there");

            JsonNode inspected = JSON.readTree(berth(store, "image", "inspect", "--json", name).out());
            assertThat(inspected.get("platform").asText()).startsWith("linux/" + Platform.current().architecture());
            assertThat(inspected.get("layers")).hasSize(1);
            assertThat(inspected.get("layers").get(0).get("chainId").asText()).startsWith("sha256:");

            Path exported = dir.resolve("export.tar");
            assertThat(berth(store, "image", "export", "--tar", "-o", exported.toString(), name).exit()).isZero();
            assertThat(exported).isNotEmptyFile();

            Result checked = berth(store, "image", "check");
            assertThat(checked.exit()).as(checked.out() + checked.err()).isZero();
            assertThat(checked.out()).startsWith("ok: ").contains("1 image(s)");

            JsonNode pruned = JSON.readTree(berth(store, "image", "prune", "--json").out());
            assertThat(pruned.has("bytesFreed")).isTrue();

            Result badRef = berth(store, "image", "pull", "Not A/Reference");
            assertThat(badRef.exit()).isEqualTo(2);
            assertThat(badRef.err()).contains("invalid image reference 'Not A/Reference'");

            Result unknown = berth(store, "image", "inspect", "no/such:image");
            assertThat(unknown.exit()).isEqualTo(1);
            assertThat(unknown.err()).contains("docker.io/no/such:image").contains("not in the local store");

            Result notInRegistry = berth(store, "image", "pull", "127.0.0.1:" + port + "/cli/app:missing");
            assertThat(notInRegistry.exit()).isEqualTo(1);
            assertThat(notInRegistry.err()).contains("manifest unknown").contains("cli/app:missing");
        } finally {
            registry.destroy();
            registry.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void credentialsGivenOnTheCommandLineAreUsedAndWrongOnesGiveAClearError(@TempDir Path dir) throws Exception {
        Path registryDir = Files.createDirectories(dir.resolve("registry"));
        run("htpasswd", "-Bbc", registryDir.resolve("htpasswd").toString(), "erin", "correct horse");
        Process registry = startRegistry(registryDir, "auth:\n  htpasswd:\n    realm: berth-test\n    path: " + registryDir.resolve("htpasswd") + "\n");
        java.io.InputStream stdin = System.in;
        try {
            String port = Files.readString(registryDir.resolve("port"));
            Path layout = dir.resolve("layout");
            run("umoci", "init", "--layout", layout.toString());
            run("umoci", "new", "--image", layout + ":v1");
            run("umoci", "config", "--image", layout + ":v1", "--os", "linux", "--architecture", Platform.current().architecture());
            String name = "127.0.0.1:" + port + "/secret/app:v1";
            Path store = dir.resolve("store");
            assertThat(berth(store, "image", "import", layout.toString(), "--repository", "127.0.0.1:" + port + "/secret/app").exit()).isZero();

            System.setIn(new java.io.ByteArrayInputStream("correct horse\n".getBytes()));
            Result pushed = berth(store, "image", "push", "-u", "erin", "--password-stdin", "--docker-config", dir.resolve("none.json").toString(), name);
            assertThat(pushed.exit()).as(pushed.err()).isZero();

            System.setIn(new java.io.ByteArrayInputStream("wrong\n".getBytes()));
            Result refused = berth(dir.resolve("store2"), "image", "pull", "-u", "erin", "--password-stdin", "--docker-config", dir.resolve("none.json").toString(), name);
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.err()).contains("refused").contains("erin").contains("401");

            Result anonymous = berth(dir.resolve("store2"), "image", "pull", "--docker-config", dir.resolve("none.json").toString(), name);
            assertThat(anonymous.exit()).isEqualTo(1);
            assertThat(anonymous.err()).contains("requires authentication");

            Result noPassword = berth(dir.resolve("store2"), "image", "pull", "-u", "erin", name);
            assertThat(noPassword.exit()).isEqualTo(2);
            assertThat(noPassword.err()).contains("--username needs a password");
        } finally {
            System.setIn(stdin);
            registry.destroy();
            registry.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** A real docker-registry on a free loopback port (written to dir/port), without auth; the caller stops it. */
    public static Process startRegistry(Path dir) throws Exception {
        return startRegistry(dir, "");
    }

    /** A real docker-registry on a free loopback port (written to dir/port), with {@code auth} as its auth section. */
    private static Process startRegistry(Path dir, String auth) throws Exception {
        Files.createDirectories(dir.resolve("data"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("port"), String.valueOf(port));
        Files.writeString(dir.resolve("config.yml"), "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n"
                + "storage:\n  filesystem:\n    rootdirectory: " + dir.resolve("data") + "\n"
                + "http:\n  addr: 127.0.0.1:" + port + "\n  secret: berth-test\n" + auth);
        Process p = new ProcessBuilder("/usr/bin/docker-registry", "serve", dir.resolve("config.yml").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        for (int i = 0; i < 200; i++) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return p;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        p.destroy();
        throw new IOException("docker-registry did not start: " + Files.readString(dir.resolve("registry.log")));
    }
}
