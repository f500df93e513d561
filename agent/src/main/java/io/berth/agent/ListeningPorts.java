package io.berth.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The TCP ports that sockets in the agent's network namespace (the host's) listen on, from the kernel's
 * {@code /proc/net/tcp} and {@code /proc/net/tcp6}: sshd, a local proxy, the agent's own cluster and API ports,
 * host-network containers. The scheduler must not give such a port to an allocation: a host-network task could not
 * bind it, and a published port would take its traffic.
 */
final class ListeningPorts {
    /** The kernel's {@code TCP_LISTEN} state, as those files write it. */
    private static final String LISTEN = "0A";

    private ListeningPorts() {}

    /** Every listening port of the files that exist (a kernel without IPv6 has no tcp6). */
    static Set<Integer> current() throws IOException {
        return read(List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6")));
    }

    static Set<Integer> read(List<Path> tables) throws IOException {
        Set<Integer> ports = new TreeSet<>();
        for (Path table : tables) {
            List<String> lines;
            try {
                lines = Files.readAllLines(table);
            } catch (NoSuchFileException e) {
                continue;
            }
            // "  0: 00000000:1F90 00000000:0000 0A ...": slot, local address:port (hex), remote, state
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && f[3].equals(LISTEN)) {
                    int colon = f[1].lastIndexOf(':');
                    ports.add(Integer.parseInt(f[1].substring(colon + 1), 16));
                }
            }
        }
        return ports;
    }
}
