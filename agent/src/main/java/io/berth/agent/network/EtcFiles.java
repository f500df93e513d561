package io.berth.agent.network;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The contents of a container's {@code /etc/hosts}, {@code /etc/hostname} and {@code /etc/resolv.conf}.
 * Pure functions, thread-safe.
 */
final class EtcFiles {
    /** Docker's fallback when the host offers no nameserver a container can reach. */
    static final List<String> FALLBACK_NAMESERVERS = List.of("8.8.8.8", "8.8.4.4");

    private static final Pattern HOSTNAME =
            Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

    private EtcFiles() {}

    /** Throws an IllegalArgumentException naming the hostname unless it is an RFC 1123 host name. */
    static void checkHostname(String hostname) {
        if (hostname == null || hostname.length() > 253 || !HOSTNAME.matcher(hostname).matches()) {
            throw new IllegalArgumentException("hostname '" + hostname + "' is not a valid host name: use letters,"
                    + " digits and '-' in dot-separated labels of at most 63 characters");
        }
    }

    /** /etc/hosts: the loopback names, then each of the container's addresses under its hostname. */
    static String hosts(String hostname, List<String> addresses) {
        StringBuilder b = new StringBuilder()
                .append("127.0.0.1\tlocalhost\n")
                .append("::1\tlocalhost ip6-localhost ip6-loopback\n")
                .append("fe00::0\tip6-localnet\n")
                .append("ff00::0\tip6-mcastprefix\n")
                .append("ff02::1\tip6-allnodes\n")
                .append("ff02::2\tip6-allrouters\n");
        for (String a : addresses) {
            b.append(a).append('\t').append(hostname).append('\n');
        }
        return b.toString();
    }

    /**
     * /etc/resolv.conf for a container in its own network namespace, as Docker makes it: the host's file
     * without the nameservers the container cannot reach — loopback ones (a local resolver such as
     * systemd-resolved's 127.0.0.53 listens in the host's namespace only) and IPv6 ones (the bridge network is
     * IPv4) — and Docker's fallback nameservers when none remain. Nameservers the CNI result names replace the
     * host's.
     *
     * @param hostResolvConf the host's /etc/resolv.conf ("" when it has none)
     * @param dnsNameservers the CNI result's {@code dns.nameservers}, empty when it gave none
     * @param dnsSearch      the CNI result's {@code dns.search}, used only together with its nameservers
     */
    static String resolvConf(String hostResolvConf, List<String> dnsNameservers, List<String> dnsSearch) {
        List<String> out = new ArrayList<>();
        if (!dnsNameservers.isEmpty()) {
            dnsNameservers.forEach(n -> out.add("nameserver " + n));
            if (!dnsSearch.isEmpty()) {
                out.add("search " + String.join(" ", dnsSearch));
            }
            return String.join("\n", out) + "\n";
        }
        boolean anyNameserver = false;
        for (String line : hostResolvConf.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && f[0].equals("nameserver")) {
                if (isLoopback(f[1]) || f[1].contains(":")) {
                    continue;
                }
                anyNameserver = true;
            }
            out.add(line);
        }
        while (!out.isEmpty() && out.get(out.size() - 1).isBlank()) {
            out.remove(out.size() - 1);
        }
        if (!anyNameserver) {
            FALLBACK_NAMESERVERS.forEach(n -> out.add("nameserver " + n));
        }
        return String.join("\n", out) + "\n";
    }

    static boolean isLoopback(String address) {
        return address.startsWith("127.") || address.equals("::1") || address.equals("0:0:0:0:0:0:0:1");
    }
}
