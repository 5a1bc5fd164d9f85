package dev.cove.runtime.net;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SlotPoolTest {

    @Test
    void slotsMapToSlash30sUlaSlash64sAndShortVethNames() {
        SlotPool pool = new SlotPool("10.200.0.0/16", "fd63:6f76::/32", "cove");
        assertThat(pool.size()).isEqualTo(16384);
        assertThat(pool.hostIpv4(0)).isEqualTo("10.200.0.1");
        assertThat(pool.sandboxIpv4(0)).isEqualTo("10.200.0.2");
        assertThat(pool.hostIpv4(64)).isEqualTo("10.200.1.1");
        assertThat(pool.sandboxIpv4(16383)).isEqualTo("10.200.255.254");
        assertThat(pool.hostIpv6(0)).isEqualTo("fd63:6f76::1");
        assertThat(pool.sandboxIpv6(0)).isEqualTo("fd63:6f76::2");
        assertThat(pool.sandboxIpv6(0x2a)).isEqualTo("fd63:6f76:2a::2");
        assertThat(pool.hostVeth(16383)).isEqualTo("cove16383h");
        assertThat(new SlotPool("10.200.0.0/16", "fd63:6f76::/32", "covetest").hostVeth(16383)).hasSizeLessThanOrEqualTo(15);
    }

    @Test
    void vethNamesLimitThePoolWhenThePrefixIsLong() {
        SlotPool pool = new SlotPool("10.0.0.0/8", "fd63:6f76::/32", "abcdefgh");
        assertThat(pool.size()).isEqualTo(65536); // IPv6 hextet bound
        assertThat(pool.hostVeth(pool.size() - 1)).hasSizeLessThanOrEqualTo(15);
    }

    @Test
    void allocationSkipsUsedAndUnusableSlotsAndMovesOn() {
        SlotPool pool = new SlotPool("10.201.0.0/29", "fd63:6f77::/32", "t"); // 2 slots
        assertThat(pool.size()).isEqualTo(2);
        int a = pool.allocate(s -> true);
        int b = pool.allocate(s -> true);
        assertThat(Set.of(a, b)).containsExactlyInAnyOrder(0, 1);
        assertThatThrownBy(() -> pool.allocate(s -> true)).hasMessageContaining("in use");
        pool.release(a);
        assertThat(pool.allocate(s -> true)).isEqualTo(a);
        pool.release(0);
        pool.release(1);
        assertThat(pool.allocate(s -> s != 0)).isEqualTo(1);
        Set<Integer> seen = new HashSet<>();
        pool.release(1);
        seen.add(pool.allocate(s -> true));
        seen.add(pool.allocate(s -> true));
        assertThat(seen).containsExactlyInAnyOrder(0, 1);
    }

    @Test
    void rejectsBadPools() {
        assertThatThrownBy(() -> SlotPool.pool4("10.200.0.1/16")).hasMessageContaining("host bits");
        assertThatThrownBy(() -> SlotPool.pool4("10.200.0.0/31")).hasMessageContaining("/30");
        assertThatThrownBy(() -> SlotPool.pool6("fd63:6f76::/48")).hasMessageContaining("/32");
    }
}
