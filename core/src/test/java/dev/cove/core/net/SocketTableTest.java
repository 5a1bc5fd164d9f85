package dev.cove.core.net;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The socket table as the kernel prints it (lines taken from a real /proc/net/tcp and tcp6). */
class SocketTableTest {
    static final String TCP = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
               1: 0100007F:0BB9 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2 1 0 100 0 0 10 0
               2: 0100007F:0BB8 0100007F:D2A4 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 20 4 30 10 -1
               3: 07FED30A:0BBC 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4 1 0 100 0 0 10 0
            """;
    static final String TCP6 = """
              sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000000000000000000001000000:0BBA 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5 1 0 100 0 0 10 0
               1: 00000000000000000000000000000000:1435 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6 1 0 100 0 0 10 0
            """;

    @Test
    void readsListenersOfBothFamiliesAndSkipsConnections(@TempDir Path dir) throws Exception {
        Path tcp = Files.writeString(dir.resolve("tcp"), TCP);
        Path tcp6 = Files.writeString(dir.resolve("tcp6"), TCP6);

        SocketTable table = SocketTable.read(tcp, tcp6);

        assertThat(table.listeners()).extracting(SocketTable.Listener::toString)
                .containsExactly("0.0.0.0:3000", "127.0.0.1:3001", "[::1]:3002", "10.211.254.7:3004", "[::]:5173");
        assertThat(table.ports()).containsExactly(3000, 3001, 3002, 3004, 5173);
        assertThat(table.on(3004)).singleElement().satisfies(l -> {
            assertThat(l.address()).isEqualTo(InetAddress.ofLiteral("10.211.254.7"));
            assertThat(l.reachableByLoopback()).isFalse();
        });
        assertThat(table.on(3002).getFirst().reachableByLoopback()).isTrue();
        assertThat(table.on(3002).getFirst().ipv6()).isTrue();
        assertThat(table.on(3000).getFirst().inode()).isEqualTo(1);
        assertThat(table.on(5173).getFirst().inode()).isEqualTo(6);
        assertThat(table.on(5173).getFirst().reachableByLoopback()).isTrue();
    }

    @Test
    void ipv6AddressesAreWrittenShort() throws Exception {
        assertThat(SocketTable.text(InetAddress.ofLiteral("fd63:6f81:0:0:0:0:0:2"))).isEqualTo("fd63:6f81::2");
        assertThat(SocketTable.text(InetAddress.ofLiteral("1:0:0:2:0:0:0:3"))).isEqualTo("1:0:0:2::3");
        assertThat(SocketTable.text(InetAddress.ofLiteral("1:2:3:4:5:6:7:8"))).isEqualTo("1:2:3:4:5:6:7:8");
        assertThat(SocketTable.text(InetAddress.ofLiteral("127.0.0.1"))).isEqualTo("127.0.0.1");
    }

    @Test
    void aMissingTcp6TableIsNoError(@TempDir Path dir) throws Exception {
        Path tcp = Files.writeString(dir.resolve("tcp"), TCP);
        assertThat(SocketTable.read(tcp, dir.resolve("absent")).ports()).containsExactly(3000, 3001, 3004);
    }

    @Test
    void findsTheProcessHoldingAListener() throws Exception {
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            long self = ProcessHandle.current().pid();
            assertThat(SocketTable.owners(self)).anySatisfy(owned -> {
                assertThat(owned.listener().port()).isEqualTo(server.getLocalPort());
                assertThat(owned.pid()).isEqualTo(self);
                assertThat(owned.command()).contains("java");
            });
        }
    }
}
