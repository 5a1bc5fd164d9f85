package dev.cove.runtime.egress;

import dev.cove.core.net.Cidr;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What is closed by default, in every form an address can take, and what the operator may open. */
class SpecialRangesTest {

    private static boolean closed(String address) {
        InetAddress a = InetAddress.ofLiteral(address);
        Cidr c = Cidr.parse(address);
        return SpecialRanges.closed().stream().anyMatch(r -> r.covers(c) || r.contains(a))
                || SpecialRanges.never().stream().anyMatch(r -> r.covers(c));
    }

    @Test
    void privateSharedBenchmarkingUlaAndMetadataAreClosedInEveryForm() {
        for (String a : List.of("10.1.2.3", "172.31.255.1", "192.168.0.1", "100.64.0.1", "100.100.100.200", "198.18.0.1",
                "198.19.255.1", "192.0.2.1", "203.0.113.9", "168.63.129.16", "240.0.0.1", "169.254.169.254", "127.0.0.1",
                "fd00:ec2::254", "fc00::1", "fe80::1", "ff02::1", "::1", "2001:db8::1", "64:ff9b::a01:203",
                "64:ff9b::a9fe:a9fe", "64:ff9b:1::1", "::ffff:10.1.2.3", "::ffff:8.8.8.8", "2002:a01:203::1", "2001:0:1::1"))
            assertThat(closed(a)).as(a).isTrue();
        for (String a : List.of("8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700::1111", "64:ff9b::808:808"))
            assertThat(closed(a)).as(a).isFalse();
    }

    @Test
    void ipv4MappedRangesKeepTheirIpv6Form() {
        Cidr mapped = Cidr.parse("::ffff:0:0/96");
        assertThat(mapped.v4()).isFalse();
        assertThat(mapped.nft()).isEqualTo("::ffff:0.0.0.0/96");
        assertThat(SpecialRanges.embedded(Cidr.parse("10.0.0.0/8"), "64:ff9b::").nft()).isEqualTo("64:ff9b:0:0:0:0:a00:0/104");
    }

    @Test
    void theOperatorOpensPrivateRangesButNeverLinkLocalOrLoopback() {
        EgressConfig open = EgressConfig.DEFAULT.withAllowPrivate(List.of("10.1.2.0/24", "fd12::/64"));
        assertThat(open.opened()).hasSize(2);
        for (String never : List.of("169.254.169.254", "127.0.0.0/8", "fe80::/64", "224.0.0.1"))
            assertThatThrownBy(() -> EgressConfig.DEFAULT.withAllowPrivate(List.of(never))).as(never)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be opened");
    }

    @Test
    void allowOutMayNameAPrivateRangeOnlyInsideWhatTheOperatorOpened() {
        assertThat(SpecialRanges.isSpecial(Cidr.parse("10.1.2.0/24"))).isTrue();
        assertThat(SpecialRanges.isSpecial(Cidr.parse("8.0.0.0/8"))).isFalse();
        assertThat(SpecialRanges.isNever(Cidr.parse("169.254.169.254"))).isTrue();
        assertThat(SpecialRanges.isNever(Cidr.parse("10.0.0.1"))).isFalse();
        // Egress.compile's rule, without a node: covered by an opened range, or refused
        List<Cidr> opened = List.of(Cidr.parse("10.1.0.0/16"));
        assertThat(opened.stream().anyMatch(o -> o.covers(Cidr.parse("10.1.2.0/24")))).isTrue();
        assertThat(opened.stream().anyMatch(o -> o.covers(Cidr.parse("10.0.0.0/8")))).isFalse();
    }
}
