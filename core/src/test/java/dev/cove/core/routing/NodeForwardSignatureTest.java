package dev.cove.core.routing;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodeForwardSignatureTest {
    final NodeForwardSignature nodes = NodeForwardSignature.fromBase64(NodeForwardSignature.newSecret());
    final String signed = nodes.sign(1_000, "POST", "3000-sbx.cove.localhost", "/a?b=1", "2001:db8::7", true);

    @Test
    void aSignedForwardVerifiesWithinItsWindow() {
        var expected = new NodeForwardSignature.Forwarded("2001:db8::7", true);
        assertThat(nodes.verify(signed, 1_000, "POST", "3000-sbx.cove.localhost", "/a?b=1")).isEqualTo(expected);
        assertThat(nodes.verify(signed, 1_030, "POST", "3000-sbx.cove.localhost", "/a?b=1")).isEqualTo(expected);
        assertThat(nodes.verify(signed, 970, "POST", "3000-sbx.cove.localhost", "/a?b=1")).isEqualTo(expected);
        assertThat(nodes.verify(signed, 1_031, "POST", "3000-sbx.cove.localhost", "/a?b=1")).as("stale").isNull();
    }

    @Test
    void anythingSignedThatChangesDoesNotVerify() {
        assertThat(nodes.verify(signed, 1_000, "GET", "3000-sbx.cove.localhost", "/a?b=1")).isNull();
        assertThat(nodes.verify(signed, 1_000, "POST", "3001-sbx.cove.localhost", "/a?b=1")).isNull();
        assertThat(nodes.verify(signed, 1_000, "POST", "3000-sbx.cove.localhost", "/a?b=2")).isNull();
        assertThat(nodes.verify(signed.replace("for=2001:db8::7", "for=192.0.2.1"), 1_000, "POST",
                "3000-sbx.cove.localhost", "/a?b=1")).isNull();
        assertThat(nodes.verify(signed.replace("proto=https", "proto=http"), 1_000, "POST",
                "3000-sbx.cove.localhost", "/a?b=1")).isNull();
        assertThat(nodes.verify(signed.replace(";t=1000;", ";t=1001;"), 1_000, "POST",
                "3000-sbx.cove.localhost", "/a?b=1")).isNull();
        NodeForwardSignature other = NodeForwardSignature.fromBase64(NodeForwardSignature.newSecret());
        assertThat(other.verify(signed, 1_000, "POST", "3000-sbx.cove.localhost", "/a?b=1")).as("another cluster").isNull();
    }

    @Test
    void malformedHeadersAreNotTrustedAndNothingThrows() {
        for (String bad : new String[] {"", "v1", "v1;", "v2;t=1000;for=x;proto=https;mac=AA", "v1;t=abc;for=x;proto=https;mac=AA",
                "v1;t=1000;for=x;proto=ftp;mac=AA", "v1;t=1000;for=;proto=https;mac=AA", "v1;t=1000;for=x;proto=https;mac=!!",
                "v1;t=1000;for=x;proto=https", "v1;t=1000;for=x;proto=https;mac=AA;extra=1", "v1;garbage"}) {
            assertThat(nodes.verify(bad, 1_000, "GET", "h", "/")).as(bad).isNull();
        }
        assertThat(nodes.toString()).doesNotContain("=").contains("hidden");
        assertThatThrownBy(() -> new NodeForwardSignature(new byte[8])).isInstanceOf(IllegalArgumentException.class);
    }
}
