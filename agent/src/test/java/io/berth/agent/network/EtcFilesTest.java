package io.berth.agent.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class EtcFilesTest {
    @Test
    void resolvConfDropsLoopbackAndIpv6NameserversAndKeepsSearchAndOptions() {
        String host = "# generated\nnameserver 127.0.0.53\nnameserver 192.0.2.1\nnameserver ::1\n"
                + "nameserver 2001:db8::1\nsearch corp.example\noptions edns0 trust-ad\n";
        assertThat(EtcFiles.resolvConf(host, List.of(), List.of())).isEqualTo(
                "# generated\nnameserver 192.0.2.1\nsearch corp.example\noptions edns0 trust-ad\n");
    }

    @Test
    void resolvConfFallsBackToDockersNameserversWhenOnlyALocalResolverIsConfigured() {
        assertThat(EtcFiles.resolvConf("nameserver 127.0.0.53\noptions edns0\n", List.of(), List.of()))
                .isEqualTo("options edns0\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n");
        assertThat(EtcFiles.resolvConf("", List.of(), List.of())).isEqualTo("nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
    }

    @Test
    void nameserversFromTheCniResultReplaceTheHosts() {
        assertThat(EtcFiles.resolvConf("nameserver 192.0.2.1\n", List.of("10.88.0.1"), List.of("svc.local")))
                .isEqualTo("nameserver 10.88.0.1\nsearch svc.local\n");
    }

    @Test
    void hostsMapsEachAddressToTheHostname() {
        assertThat(EtcFiles.hosts("web", List.of("10.88.0.5"))).startsWith("127.0.0.1\tlocalhost\n")
                .endsWith("10.88.0.5\tweb\n");
    }

    @Test
    void hostnamesThatAreNotRfc1123AreRefused() {
        EtcFiles.checkHostname("web-1.example");
        assertThatThrownBy(() -> EtcFiles.checkHostname("-web")).hasMessageContaining("hostname '-web'");
        assertThatThrownBy(() -> EtcFiles.checkHostname("a".repeat(64))).hasMessageContaining("63 characters");
    }
}
