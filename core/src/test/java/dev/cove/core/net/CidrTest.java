package dev.cove.core.net;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CidrTest {

    @Test
    void parsesV4AndV6NetworksAndAddressesClearingHostBits() {
        Cidr v4 = Cidr.parse("10.1.2.3/8");
        assertThat(v4.v4()).isTrue();
        assertThat(v4.prefix()).isEqualTo(8);
        assertThat(v4.nft()).isEqualTo("10.0.0.0/8");
        assertThat(Cidr.parse(" 198.18.1.10 ").nft()).isEqualTo("198.18.1.10");
        assertThat(Cidr.parse("198.18.1.10").prefix()).isEqualTo(32);

        Cidr v6 = Cidr.parse("fd63:6f76::1/32");
        assertThat(v6.v4()).isFalse();
        assertThat(v6.prefix()).isEqualTo(32);
        assertThat(v6.nft()).isEqualTo("fd63:6f76:0:0:0:0:0:0/32");
        assertThat(Cidr.parse("::1").prefix()).isEqualTo(128);
        assertThat(Cidr.parse("::ffff:10.0.0.1").nft()).isEqualTo("::ffff:10.0.0.1"); // stays IPv6
        assertThat(Cidr.parse("10.0.0.0/8")).isEqualTo(Cidr.parse("10.255.0.1/8")).hasSameHashCodeAs(Cidr.parse("10.9.9.9/8"));
    }

    @Test
    void refusesWhatIsNoAddressRange() {
        assertThat(Cidr.isCidr("example.com")).isFalse();
        assertThat(Cidr.isCidr("1.2.3.4/33")).isFalse();
        assertThat(Cidr.isCidr("::/129")).isFalse();
        assertThat(Cidr.isCidr("10.0.0.0/x")).isFalse();
        assertThat(Cidr.isCidr("fd00::/8")).isTrue();
        assertThatThrownBy(() -> Cidr.parse(" ")).hasMessageContaining("empty");
        assertThatThrownBy(() -> Cidr.parse("1.2.3.4/33")).hasMessageContaining("prefix out of range");
    }

    @Test
    void containsAndCoversStayWithinOneFamily() throws Exception {
        Cidr ten = Cidr.parse("10.0.0.0/8");
        assertThat(ten.contains(InetAddress.getByName("10.200.3.4"))).isTrue();
        assertThat(ten.contains(InetAddress.getByName("11.0.0.1"))).isFalse();
        assertThat(ten.contains(InetAddress.getByName("::ffff:10.0.0.1"))).isTrue(); // Java reads it as IPv4
        assertThat(Cidr.parse("fe80::1/10").contains(InetAddress.getByName("fe80::abcd"))).isTrue();
        assertThat(Cidr.parse("fe80::/10").contains(InetAddress.getByName("10.0.0.1"))).isFalse();

        assertThat(ten.covers(Cidr.parse("10.1.2.0/24"))).isTrue();
        assertThat(ten.covers(ten)).isTrue();
        assertThat(Cidr.parse("10.1.0.0/16").covers(ten)).isFalse();
        assertThat(Cidr.parse("::/0").covers(ten)).isFalse();
        assertThat(Cidr.parse("0.0.0.0/0").covers(ten)).isTrue();
    }

    @Test
    void addressesSubnetsAndHostsForSlotAllocation() {
        Cidr pool4 = Cidr.parse("10.200.0.0/16");
        assertThat(pool4.hostBits()).isEqualTo(16);
        assertThat(pool4.host(1)).isEqualTo("10.200.0.1");
        assertThat(pool4.host(4L * 64 + 1)).isEqualTo("10.200.1.1");
        assertThat(pool4.host(4L * 16383 + 2)).isEqualTo("10.200.255.254");
        assertThat(pool4.subnet(64, 30)).isEqualTo(Cidr.parse("10.200.1.0/30"));
        assertThatThrownBy(() -> pool4.host(65536)).hasMessageContaining("outside");
        assertThatThrownBy(() -> pool4.subnet(16384, 30)).hasMessageContaining("outside");
        assertThatThrownBy(() -> pool4.subnet(0, 8)).hasMessageContaining("not a subnet");

        Cidr pool6 = Cidr.parse("fd63:6f76::/32");
        assertThat(pool6.subnet(0, 64).host(1)).isEqualTo("fd63:6f76::1");
        assertThat(pool6.subnet(0x2aL << 16, 64)).isEqualTo(Cidr.parse("fd63:6f76:2a::/64"));
        assertThat(pool6.subnet(0x2aL << 16, 64).host(2)).isEqualTo("fd63:6f76:2a::2");
        assertThat(pool6.subnet(0xffffL << 16, 64).host(0xffff)).isEqualTo("fd63:6f76:ffff::ffff");
        assertThat(Cidr.parse("2001:db8::/127").host(1)).isEqualTo("2001:db8::1");
    }
}
