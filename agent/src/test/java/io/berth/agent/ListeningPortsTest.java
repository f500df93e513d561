package io.berth.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListeningPortsTest {

    @Test
    void readsTheListeningSocketsOfBothTablesAndNothingElse(@TempDir Path dir) throws Exception {
        Path tcp = Files.writeString(dir.resolve("tcp"), """
                  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
                   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1145 1
                   1: 0100007F:1E14 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1146 1
                   2: 0100007F:9C40 0100007F:0016 01 00000000:00000000 00:00000000 00000000     0        0 1147 1
                """);
        Path tcp6 = Files.writeString(dir.resolve("tcp6"), """
                  sl  local_address                         remote_address                        st tx_queue
                   0: 0000000000000000FFFF00000100007F:1E6E 00000000000000000000000000000000:0000 0A 00000000:0
                   1: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:0
                """);
        // 22 twice, 7700 and 7790 listening; 40000 is an established connection's port
        assertThat(ListeningPorts.read(List.of(tcp, tcp6, dir.resolve("absent")))).containsExactly(22, 7700, 7790);
    }

    @Test
    void findsASocketThisProcessListensOn() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThat(ListeningPorts.current()).contains(s.getLocalPort());
        }
    }
}
