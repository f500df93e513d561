package io.berth.storage.registry;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A real Debian {@code docker-registry} (distribution 2.8) on a free loopback port with its own storage
 * directory, as the tests' registry: without auth, with htpasswd Basic auth, or behind a token server.
 * {@link #close()} stops it.
 */
final class DockerRegistry implements AutoCloseable {

    static final String BINARY = "/usr/bin/docker-registry";

    private final Process process;
    private final int port;
    private final Path dir;

    private DockerRegistry(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    /** A registry that needs no credentials. */
    static DockerRegistry open(Path dir) throws IOException {
        return start(dir, "");
    }

    /** A registry with Basic auth for one user. */
    static DockerRegistry basicAuth(Path dir, String user, String password) throws IOException {
        return start(dir, htpasswdConfig(dir, user, password));
    }

    /** A registry that accepts only tokens signed by {@code tokens}' key. */
    static DockerRegistry tokenAuth(Path dir, TokenServer tokens) throws IOException {
        return start(dir, "auth:\n  token:\n    realm: " + tokens.realm() + "\n    service: " + TokenServer.SERVICE
                + "\n    issuer: " + TokenServer.ISSUER + "\n    rootcertbundle: " + tokens.certificatePem() + "\n");
    }

    /** The auth section for Basic auth of one user; the bcrypt htpasswd file is written with {@code htpasswd -B}. */
    static String htpasswdConfig(Path dir, String user, String password) throws IOException {
        Files.createDirectories(dir);
        Path htpasswd = dir.resolve("htpasswd");
        run(List.of("htpasswd", "-Bbc", htpasswd.toString(), user, password));
        return "auth:\n  htpasswd:\n    realm: berth-test\n    path: " + htpasswd + "\n";
    }

    /** The middleware section that redirects blob downloads to {@code baseUrl} + the blob's storage path. */
    static String redirectConfig(String baseUrl) {
        return "middleware:\n  storage:\n    - name: redirect\n      options:\n        baseurl: " + baseUrl + "\n";
    }

    /**
     * Starts a registry with {@code extraConfig} appended to its YAML; the {@code http} section comes last, so
     * lines indented by two spaces at the start of {@code extraConfig} extend it (e.g. {@code tls}).
     */
    static DockerRegistry start(Path dir, String extraConfig) throws IOException {
        Files.createDirectories(dir.resolve("data"));
        int port = freePort();
        String config = "version: 0.1\n"
                + "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
                + "storage:\n  filesystem:\n    rootdirectory: " + dir.resolve("data") + "\n  delete:\n    enabled: true\n"
                + "http:\n  addr: 127.0.0.1:" + port + "\n  secret: berth-test-secret\n"
                + extraConfig;
        Path configFile = dir.resolve("config.yml");
        Files.writeString(configFile, config);
        Process process = new ProcessBuilder(BINARY, "serve", configFile.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("registry.log").toFile())
                .start();
        DockerRegistry registry = new DockerRegistry(process, port, dir);
        registry.awaitReady();
        return registry;
    }

    private void awaitReady() throws IOException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IOException("docker-registry exited with " + process.exitValue() + ": " + Files.readString(dir.resolve("registry.log")));
            }
            // Listening is ready: the registry opens its port once its storage and auth are set up.
            try (java.net.Socket probe = new java.net.Socket()) {
                probe.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                // still starting
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        close();
        throw new IOException("docker-registry did not answer on " + hostPort() + " within 20 s");
    }

    String hostPort() {
        return "127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    /** The registry's storage root (the filesystem driver's rootdirectory). */
    Path storage() {
        return dir.resolve("data");
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Runs a command, failing with its output when it exits non-zero. */
    static String run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", command) + " exited with " + p.exitValue() + ":\n" + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return out;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
