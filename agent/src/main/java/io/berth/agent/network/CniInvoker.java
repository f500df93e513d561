package io.berth.agent.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one CNI plugin binary the way the CNI spec (1.0/1.1) says: the operation in {@code CNI_COMMAND} and
 * the other {@code CNI_*} variables, the network configuration as JSON on stdin, the result (or the error
 * object) as JSON on stdout. Stateless and thread-safe; each call spawns one process.
 */
final class CniInvoker {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger log = LoggerFactory.getLogger(CniInvoker.class);

    private final Path cniPath;
    private final Duration timeout;

    CniInvoker(Path cniPath, Duration timeout) {
        this.cniPath = cniPath;
        this.timeout = timeout;
    }

    /**
     * Invokes the plugin named by {@code config.type}.
     *
     * @param command     ADD, DEL, CHECK or VERSION
     * @param containerId the CNI container id (the allocation id); unused for VERSION
     * @param netns       path of the network namespace; for DEL it may no longer exist, as the spec allows;
     *                    unused for VERSION
     * @param ifName      the interface name inside the namespace; unused for VERSION
     * @param config      the plugin's configuration, {@code name} and {@code cniVersion} included
     * @return the plugin's result, or null when it printed nothing (DEL and CHECK usually)
     * @throws CniException naming the plugin, its error code, message and details
     */
    JsonNode invoke(String command, String containerId, Path netns, String ifName, ObjectNode config) {
        String type = config.path("type").asText();
        String network = config.path("name").asText();
        Path binary = cniPath.resolve(type);
        if (type.isEmpty() || type.contains("/") || !Files.isExecutable(binary)) {
            throw new CniException(type, command, network, -1, "no executable plugin " + binary
                    + " (install Debian's containernetworking-plugins: ops/setup-host)", null);
        }
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("berth-cni-", ".out");
            err = Files.createTempFile("berth-cni-", ".err");
            ProcessBuilder pb = new ProcessBuilder(binary.toString()).redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            Map<String, String> env = pb.environment();
            env.keySet().removeIf(k -> k.startsWith("CNI_"));
            env.put("CNI_COMMAND", command);
            if (!command.equals("VERSION")) {
                env.put("CNI_CONTAINERID", containerId);
                env.put("CNI_NETNS", netns.toString());
                env.put("CNI_IFNAME", ifName);
                env.put("CNI_ARGS", "");
            }
            env.put("CNI_PATH", cniPath.toString());
            // the plugins run iptables and the like by name
            env.putIfAbsent("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
            long started = System.nanoTime();
            Process p = pb.start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(JSON.writeValueAsBytes(config));
            } catch (IOException exited) {
                // it exited without reading all of stdin (VERSION may); its exit status and output tell why
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor();
                throw new CniException(type, command, network, -1, "no answer within " + timeout.toSeconds()
                        + " s (killed)", Files.readString(err).strip());
            }
            log.debug("{} {} for {}: exit {} in {} ms", type, command, containerId, p.exitValue(),
                    (System.nanoTime() - started) / 1_000_000);
            String stdout = Files.readString(out, StandardCharsets.UTF_8).strip();
            String stderr = Files.readString(err, StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0) {
                throw error(type, command, network, p.exitValue(), stdout, stderr);
            }
            if (stdout.isEmpty()) {
                return null;
            }
            try {
                return JSON.readTree(stdout);
            } catch (IOException e) {
                throw new CniException(type, command, network, -1, "result is not JSON: " + stdout, stderr);
            }
        } catch (IOException e) {
            throw new CniException(type, command, network, -1, "cannot run " + binary + ": " + e.getMessage(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CniException(type, command, network, -1, "interrupted", null);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /**
     * The CNI versions the plugin implements, from its VERSION command.
     *
     * @throws CniException if the plugin is missing or does not answer
     */
    List<String> supportedVersions(String type, String cniVersion) {
        ObjectNode config = JSON.createObjectNode().put("cniVersion", cniVersion).put("name", "version")
                .put("type", type);
        JsonNode answer = invoke("VERSION", null, null, null, config);
        List<String> versions = new ArrayList<>();
        if (answer != null) {
            answer.path("supportedVersions").forEach(v -> versions.add(v.asText()));
        }
        return versions;
    }

    private static CniException error(String type, String command, String network, int exit, String stdout,
            String stderr) {
        try {
            JsonNode e = stdout.isEmpty() ? null : JSON.readTree(stdout);
            if (e != null && e.has("msg")) {
                String details = e.path("details").asText(null);
                if ((details == null || details.isEmpty()) && !stderr.isEmpty()) {
                    details = stderr;
                }
                return new CniException(type, command, network, e.path("code").asInt(-1), e.path("msg").asText(),
                        details);
            }
        } catch (IOException notJson) {
            // fall through: report the raw output
        }
        String text = (stdout + "\n" + stderr).strip();
        return new CniException(type, command, network, -1, "exited with " + exit
                + (text.isEmpty() ? " and printed nothing" : ": " + text), null);
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a leftover temp file is harmless
            }
        }
    }
}
