package io.berth.agent;

import io.berth.protocol.job.HealthCheck;
import io.berth.protocol.job.NetworkMode;
import io.berth.protocol.oci.runtime.RuntimeSpec;
import io.berth.runtime.ContainerRuntime;
import io.berth.runtime.ExecOptions;
import io.berth.runtime.ExecProcess;
import io.berth.runtime.ExitStatus;
import io.berth.runtime.Stdio;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one attempt of a health check: {@code exec} in the container through the runtime, {@code tcp} and
 * {@code http} against the task's host port. Blocking (up to the check's timeout): call from the blocking
 * dispatcher. Thread-safe.
 */
final class HealthProbes {
    private HealthProbes() {}

    /** Null when the check passed, else what failed, for people. */
    static String probe(HealthCheck check, ContainerRuntime runtime, String containerId, NetworkMode mode,
                        Map<String, Integer> hostPorts) {
        try {
            return switch (check.type()) {
                case EXEC -> exec(check, runtime, containerId);
                case TCP -> tcp(check, mode, hostPorts);
                case HTTP -> http(check, mode, hostPorts);
            };
        } catch (Exception e) {
            return "check " + check.name() + ": " + e.getMessage();
        }
    }

    private static String exec(HealthCheck check, ContainerRuntime runtime, String id) throws Exception {
        RuntimeSpec.Process p = runtime.spec(id).process();
        RuntimeSpec.Process process = new RuntimeSpec.Process(false, null, p.user(), check.command(), null, p.env(),
                p.cwd(), p.capabilities(), p.rlimits(), p.noNewPrivileges(), null, null, null);
        ExecProcess proc = runtime.exec(id, process, ExecOptions.of(Stdio.discard()));
        ExitStatus exit;
        try {
            exit = proc.exit().get(check.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            ProcessHandle.of(proc.pid()).ifPresent(ProcessHandle::destroyForcibly);
            return "check " + check.name() + ": " + check.command() + " did not finish within " + check.timeout();
        }
        return exit.exitCode() == 0 ? null
                : "check " + check.name() + ": " + check.command() + " exited with " + exit.exitCode();
    }

    private static InetSocketAddress address(HealthCheck check, NetworkMode mode, Map<String, Integer> hostPorts) {
        if (mode == NetworkMode.NONE) {
            throw new IllegalArgumentException("a " + check.type().name().toLowerCase()
                    + " check cannot reach a task in network mode none; use an exec check");
        }
        Integer port = hostPorts.get(check.port());
        if (port == null) {
            throw new IllegalArgumentException("the allocation has no host port labelled '" + check.port() + "'");
        }
        return new InetSocketAddress("127.0.0.1", port);
    }

    private static String tcp(HealthCheck check, NetworkMode mode, Map<String, Integer> hostPorts) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address(check, mode, hostPorts), (int) check.timeout().toMillis());
            return null;
        }
    }

    private static String http(HealthCheck check, NetworkMode mode, Map<String, Integer> hostPorts) throws IOException {
        InetSocketAddress a = address(check, mode, hostPorts);
        String path = check.path() == null ? "/" : check.path();
        HttpURLConnection c = (HttpURLConnection) new URL("http", a.getHostString(), a.getPort(), path).openConnection();
        c.setRequestMethod(check.method());
        c.setConnectTimeout((int) check.timeout().toMillis());
        c.setReadTimeout((int) check.timeout().toMillis());
        c.setInstanceFollowRedirects(false);
        try {
            int code = c.getResponseCode();
            return code >= 200 && code < 400 ? null : "check " + check.name() + ": " + check.method() + " " + path
                    + " answered " + code;
        } finally {
            c.disconnect();
        }
    }
}
