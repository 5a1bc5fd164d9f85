package dev.cove.sdk;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading listeners from the kernel's socket tables, as a sandbox's /proc/net/tcp{,6} show them. */
class PortsTest {
    static final String TABLES = ""
            + "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
            + "   0: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1 0\n"
            + "   1: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0\n"
            + "   2: 0100007F:1F40 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 3 1 0\n"
            + "  sl  local_address                         remote_address                        st tx_queue rx_queue\n"
            + "   0: 00000000000000000000000000000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000\n"
            + "   1: 00000000000000000000000001000000:2328 00000000000000000000000000000000:0000 0A 00000000:00000000\n"
            + "   2: 0000000000000000FFFF00000100007F:0050 00000000000000000000000000000000:0000 0A 00000000:00000000\n";

    /** Only LISTEN rows count, IPv4 and IPv6, sorted by port, addresses in their usual spelling. */
    @Test
    void parsesListenersOfBothFamilies() {
        assertThat(Ports.parse(TABLES)).containsExactly(
                new ListeningPort(80, "::ffff:127.0.0.1"),
                new ListeningPort(3000, "::"),
                new ListeningPort(5432, "127.0.0.1"),
                new ListeningPort(8000, "0.0.0.0"),
                new ListeningPort(9000, "::1"));
    }

    @Test
    void emptyTablesMeanNothingListens() {
        assertThat(Ports.parse("")).isEmpty();
    }
}
