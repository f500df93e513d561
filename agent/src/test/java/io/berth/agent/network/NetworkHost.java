package io.berth.agent.network;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/** Test helpers that look at the host's real network state through its own tools. */
public final class NetworkHost {
    private static final Random RANDOM = new Random();
    private static final Set<Integer> handedOut = new HashSet<>();
    private static final int[] EPHEMERAL = ephemeralRange();

    private NetworkHost() {}

    /** Runs a command, returning its stdout+stderr; fails the test if it exits non-zero. */
    static String run(String... command) {
        try {
            Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new AssertionError(String.join(" ", command) + " exited " + p.exitValue() + ": " + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The nat table's rules, as iptables-save prints them. */
    static List<String> natRules() {
        return run("iptables-save", "-t", "nat").lines().filter(l -> l.startsWith("-A ")).toList();
    }

    /**
     * Inserts first into portmap's chain a rule of another owner ({@code dnat name: "leftover"}, as a killed agent,
     * podman or containerd leaves) that forwards {@code ports}; closing it removes the rule, and the chain when this
     * made it.
     */
    public static AutoCloseable foreignPortmapRule(int... ports) {
        boolean made = !run("iptables-save", "-t", "nat").contains(":CNI-HOSTPORT-DNAT ");
        if (made) {
            run("iptables", "-w", "-t", "nat", "-N", "CNI-HOSTPORT-DNAT");
        }
        String list = java.util.Arrays.stream(ports).mapToObj(Integer::toString)
                .collect(java.util.stream.Collectors.joining(","));
        List<String> rule = List.of("-p", "tcp", "-m", "comment", "--comment", "dnat name: \"leftover\" id: \"gone\"",
                "-m", "multiport", "--dports", list, "-j", "RETURN");
        run(concat(List.of("iptables", "-w", "-t", "nat", "-I", "CNI-HOSTPORT-DNAT"), rule));
        return () -> {
            run(concat(List.of("iptables", "-w", "-t", "nat", "-D", "CNI-HOSTPORT-DNAT"), rule));
            if (made) {
                run("iptables", "-w", "-t", "nat", "-X", "CNI-HOSTPORT-DNAT");
            }
        };
    }

    private static String[] concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toArray(String[]::new);
    }

    /** The host interfaces enslaved to a bridge (the containers' veth ends); empty when it does not exist. */
    static List<String> bridgePorts(String bridge) {
        if (!run("ip", "-o", "link", "show").contains(" " + bridge + ":")) {
            return List.of();
        }
        return run("ip", "-o", "link", "show", "master", bridge).lines()
                .map(l -> l.split(":\\s+")[1].split("@")[0]).toList();
    }

    /**
     * A TCP port nothing uses right now, outside the kernel's ephemeral range (read from
     * {@code /proc/sys/net/ipv4/ip_local_port_range}, which differs between machines), so that no outgoing
     * connection elsewhere on the machine takes it before the test publishes it; never the same one twice.
     */
    public static synchronized int freePort() {
        var forwarded = ForwardedPorts.current(); // a leftover portmap rule would take the port's traffic
        while (true) {
            int port = 10000 + RANDOM.nextInt(55000);
            if (port >= EPHEMERAL[0] && port <= EPHEMERAL[1]) {
                continue;
            }
            if (forwarded.containsKey("tcp/" + port) || forwarded.containsKey("udp/" + port) || !handedOut.add(port)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(port));
                return port;
            } catch (IOException inUse) {
                // try another
            }
        }
    }

    private static int[] ephemeralRange() {
        try {
            // Files.readString gets only the first byte of a sysctl file (it reads 1 byte, then the kernel
            // answers a read at a non-zero offset with end of file): read it as a line
            String[] range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim().split("\\s+");
            int low = Integer.parseInt(range[0]);
            int high = Integer.parseInt(range[1]);
            boolean roomOutside = Math.max(0, low - 10000) + Math.max(0, 65000 - high) >= 1000;
            return roomOutside ? new int[] {low, high} : new int[] {0, -1}; // else any port: the race stays
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** GET / over HTTP/1.0, returning the whole response; retried until the deadline (the server is starting). */
    static String httpGet(String host, int port, long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 2000);
                s.setSoTimeout(5000);
                OutputStream out = s.getOutputStream();
                out.write(("GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError("no HTTP answer from " + host + ":" + port + ": " + e, e);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(ie);
                }
            }
        }
    }
}
