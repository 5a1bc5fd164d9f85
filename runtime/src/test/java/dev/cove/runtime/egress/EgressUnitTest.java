package dev.cove.runtime.egress;

import dev.cove.core.net.Cidr;
import dev.cove.core.runtime.EgressPolicy;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pure parts of egress control: policy compilation and matching, CIDRs, Host/SNI and packet parsing. */
class EgressUnitTest {

    private static InetAddress ip(String s) { return InetAddress.ofLiteral(s); }

    @Test
    void allowBeatsDenyAndAllTrafficCoversBothFamilies() {
        CompiledPolicy p = CompiledPolicy.compile(new EgressPolicy(true, List.of("198.18.1.10", "2001:2::/64"),
                List.of("0.0.0.0/0")));
        assertThat(p.allowsAddress(ip("198.18.1.10"))).isTrue();
        assertThat(p.allowsAddress(ip("198.18.1.11"))).isFalse();
        assertThat(p.allowsAddress(ip("2001:2::a"))).isTrue();
        assertThat(p.allowsAddress(ip("2001:3::a"))).isFalse();
        CompiledPolicy deny = CompiledPolicy.compile(new EgressPolicy(true, List.of("10.1.2.3"), List.of("10.0.0.0/8")));
        assertThat(deny.allowsAddress(ip("10.1.2.3"))).isTrue();
        assertThat(deny.allowsAddress(ip("10.1.2.4"))).isFalse();
        assertThat(deny.allowsAddress(ip("11.0.0.1"))).isTrue();
        CompiledPolicy off = CompiledPolicy.compile(new EgressPolicy(false, List.of(), List.of()));
        assertThat(off.allowsAddress(ip("1.2.3.4"))).isFalse();
        assertThat(off.allowsAddress(ip("2001:db8::1"))).isFalse();
        assertThat(CompiledPolicy.compile(EgressPolicy.OPEN).allowsAddress(ip("2001:db8::1"))).isTrue();
    }

    @Test
    void domainsExactAndWildcardSubdomainsOnly() {
        CompiledPolicy p = CompiledPolicy.compile(new EgressPolicy(true, List.of("Example.com", "*.pypi.org"),
                List.of("0.0.0.0/0")));
        assertThat(p.hasDomains()).isTrue();
        assertThat(p.allowsName("example.com")).isTrue();
        assertThat(p.allowsName("EXAMPLE.COM.")).isTrue();
        assertThat(p.allowsName("www.example.com")).isFalse();
        assertThat(p.allowsName("files.pypi.org")).isTrue();
        assertThat(p.allowsName("a.b.pypi.org")).isTrue();
        assertThat(p.allowsName("pypi.org")).isFalse();
        assertThat(p.allowsName("evilpypi.org")).isFalse();
        assertThat(p.allowsName("")).isFalse();
        assertThatThrownBy(() -> CompiledPolicy.compile(new EgressPolicy(true, List.of(), List.of("example.com"))))
                .hasMessageContaining("invalid denied CIDR");
    }

    @Test
    void cidrsAreNormalisedForNft() {
        assertThat(Cidr.parse("10.1.2.3/8").nft()).isEqualTo("10.0.0.0/8");
        assertThat(Cidr.parse("198.18.1.10").nft()).isEqualTo("198.18.1.10");
        assertThat(Cidr.parse("fe80::1/10").contains(ip("fe80::abcd"))).isTrue();
        assertThat(Cidr.isCidr("example.com")).isFalse();
        assertThat(Cidr.isCidr("1.2.3.4/33")).isFalse();
    }

    @Test
    void readsHttpHostAndTlsSni() {
        byte[] req = "GET / HTTP/1.1\r\nUser-Agent: x\r\nHOST: Files.Example.com:8080\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(EgressFilter.httpHost(req, req.length)).isEqualTo("files.example.com");
        assertThat(EgressFilter.httpHost(req, req.length - 2)).isNull(); // head not complete yet
        byte[] hello = clientHello("api.example.com");
        assertThat(EgressFilter.sni(hello, hello.length)).isEqualTo("api.example.com");
        assertThat(EgressFilter.sni(hello, 20)).isNull();
        byte[] notTls = "SSH-2.0-x\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(EgressFilter.sni(notTls, notTls.length)).isEmpty();
    }

    @Test
    void parsesLoggedPackets() {
        byte[] v4 = new byte[40];
        v4[0] = 0x45;
        v4[9] = 6;
        System.arraycopy(new byte[] {10, (byte) 215, 0, 2}, 0, v4, 12, 4);
        System.arraycopy(new byte[] {(byte) 169, (byte) 254, (byte) 169, (byte) 254}, 0, v4, 16, 4);
        v4[22] = 0;
        v4[23] = 80;
        NflogReader.Packet p = NflogReader.packet("link-local", v4);
        assertThat(p.destination().getHostAddress()).isEqualTo("169.254.169.254");
        assertThat(p.source().getHostAddress()).isEqualTo("10.215.0.2");
        assertThat(p.protocol()).isEqualTo("tcp");
        assertThat(p.port()).isEqualTo(80);
    }

    /** A minimal TLS 1.2 ClientHello with one SNI entry. */
    private static byte[] clientHello(String host) {
        byte[] name = host.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer sni = ByteBuffer.allocate(9 + name.length);
        sni.putShort((short) 0).putShort((short) (5 + name.length)).putShort((short) (3 + name.length)).put((byte) 0)
                .putShort((short) name.length).put(name);
        ByteBuffer body = ByteBuffer.allocate(2 + 32 + 1 + 4 + 2 + 2 + sni.capacity());
        body.putShort((short) 0x0303).put(new byte[32]).put((byte) 0).putShort((short) 2).putShort((short) 0x1301)
                .put((byte) 1).put((byte) 0).putShort((short) sni.capacity()).put(sni.array());
        int bodyLen = body.position();
        ByteBuffer rec = ByteBuffer.allocate(5 + 4 + bodyLen);
        rec.put((byte) 0x16).putShort((short) 0x0301).putShort((short) (4 + bodyLen)).put((byte) 1)
                .put((byte) 0).putShort((short) bodyLen).put(body.array(), 0, bodyLen);
        return rec.array();
    }
}
