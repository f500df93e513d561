package io.berth.agent.network;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host ports that portmap rules already forward on this machine, whoever made them: another agent's
 * network, podman or containerd (they share portmap's {@code CNI-HOSTPORT-DNAT} chain), or the rules of an
 * agent that was killed and lost its state. Such a rule comes before a new one in the chain, so a port it
 * forwards would silently send the new allocation's traffic to the old destination.
 */
final class ForwardedPorts {
    private static final String CHAIN = "CNI-HOSTPORT-DNAT";
    // -A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \"berth\" id: \"...\"" -m multiport --dports 80,8080 -j CNI-DN-...
    private static final Pattern PROTOCOL = Pattern.compile(" -p (\\w+) ");
    private static final Pattern COMMENT = Pattern.compile(" --comment \"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern PORTS = Pattern.compile(" --dports ([0-9,:]+)");

    private ForwardedPorts() {}

    /**
     * Every forwarded port as {@code protocol/port}, mapped to the comment of the rule that forwards it (which
     * names the CNI network and container). Empty when portmap never ran here (no chain).
     */
    static Map<String, String> current() {
        Iptables.Result r = Iptables.run(List.of("-t", "nat", "-S", CHAIN));
        Map<String, String> ports = new HashMap<>();
        if (r.exit() != 0) {
            return ports; // no such chain: nothing forwarded
        }
        for (String line : r.output().lines().filter(l -> l.startsWith("-A " + CHAIN + " ")).toList()) {
            Matcher protocol = PROTOCOL.matcher(line);
            Matcher list = PORTS.matcher(line);
            if (!protocol.find() || !list.find()) {
                continue;
            }
            Matcher comment = COMMENT.matcher(line);
            String owner = comment.find() ? comment.group(1).replace("\\\"", "'") : "a rule without a comment";
            for (String item : list.group(1).split(",")) {
                String[] range = item.split(":");
                int low = Integer.parseInt(range[0]);
                int high = range.length == 2 ? Integer.parseInt(range[1]) : low;
                for (int port = low; port <= high; port++) {
                    ports.putIfAbsent(protocol.group(1) + "/" + port, owner);
                }
            }
        }
        return ports;
    }
}
