package io.berth.agent.network;

import java.util.ArrayList;
import java.util.List;

/**
 * Closes the hole that portmap's {@code snat} opens. To let 127.0.0.1:hostPort reach a container, portmap
 * turns on {@code route_localnet} on the bridge, after which the host also accepts packets that containers
 * address to 127.0.0.0/8 through the bridge — services bound to the host's loopback only would be reachable
 * from every container (the kube-proxy flaw CVE-2020-8558). One filter rule drops such new connections
 * arriving from the bridge; the DNATed host-to-container traffic is untouched (it never enters INPUT, and
 * its replies are ESTABLISHED). The rule stays as long as the bridge; adding it again does nothing.
 */
final class LocalnetGuard {
    static final String COMMENT = "berth: no new connections from containers to the host's 127.0.0.0/8";

    private LocalnetGuard() {}

    /** Adds the rule for the bridge unless it is there. Serialised: two callers must not both insert it. */
    static synchronized void ensure(String bridge) {
        if (iptables(rule("-C", bridge)) != 0) {
            List<String> insert = rule("-I", bridge);
            insert.add(insert.indexOf("INPUT") + 1, "1");
            int exit = iptables(insert);
            if (exit != 0) {
                throw new NetworkException("cannot add the localnet guard rule for bridge " + bridge
                        + ": iptables exited " + exit);
            }
        }
    }

    /** Removes the rule for the bridge if it is there. */
    static synchronized void remove(String bridge) {
        while (iptables(rule("-C", bridge)) == 0) {
            iptables(rule("-D", bridge));
        }
    }

    /** The rule's arguments after {@code iptables}, with the given operation (-C, -I or -D). */
    static List<String> rule(String operation, String bridge) {
        return new ArrayList<>(List.of("-t", "filter", operation, "INPUT", "-i", bridge,
                "-d", "127.0.0.0/8", "!", "-s", "127.0.0.0/8",
                "-m", "conntrack", "!", "--ctstate", "RELATED,ESTABLISHED,DNAT",
                "-m", "comment", "--comment", COMMENT, "-j", "DROP"));
    }

    private static int iptables(List<String> args) {
        Iptables.Result r = Iptables.run(args);
        if (r.exit() != 0 && !args.contains("-C")) {
            throw new NetworkException("iptables " + String.join(" ", args) + " failed: " + r.output().strip());
        }
        return r.exit();
    }
}
