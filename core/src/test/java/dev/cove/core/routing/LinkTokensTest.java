package dev.cove.core.routing;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LinkTokensTest {
    static final byte[] SECRET = new byte[32];
    static {
        Arrays.fill(SECRET, (byte) 7);
    }

    @Test
    void aMintedTokenSaysWhatItOpensAndUntilWhen() {
        LinkTokens tokens = new LinkTokens(SECRET);
        Instant until = Instant.parse("2026-11-26T17:00:00Z");
        String token = tokens.mint("i5z0abc", 3000, "lnk_1", until);
        assertThat(token).startsWith(LinkTokens.PREFIX).doesNotContain("i5z0abc");
        assertThat(tokens.verify(token)).isEqualTo(new LinkTokens.Claims("i5z0abc", 3000, "lnk_1", until));
        assertThat(tokens.verify(tokens.mint("i5z0abc", 3000, "lnk_2", null)).expiresAt()).as("lifetime").isNull();
    }

    @Test
    void aChangedPayloadOrAnotherSecretIsRefused() {
        LinkTokens tokens = new LinkTokens(SECRET);
        String token = tokens.mint("i5z0abc", 3000, "lnk_1", null);
        String payload = token.substring(LinkTokens.PREFIX.length(), token.lastIndexOf('.'));
        String otherPayload = tokens.mint("i5z0abc", 3001, "lnk_1", null);
        String forged = LinkTokens.PREFIX + otherPayload.substring(LinkTokens.PREFIX.length(), otherPayload.lastIndexOf('.'))
                + token.substring(token.lastIndexOf('.'));
        assertThat(tokens.verify(forged)).as("port 3001's payload with port 3000's signature").isNull();
        assertThat(payload).isNotEmpty();
        byte[] other = SECRET.clone();
        other[0] = 8;
        assertThat(new LinkTokens(other).verify(token)).isNull();
        assertThat(tokens.verify("cove_link_garbage")).isNull();
        assertThat(tokens.verify("cove_link_%%%.***")).isNull();
        assertThat(tokens.verify(null)).isNull();
        assertThat(tokens.verify("a" + token)).isNull();
    }

    @Test
    void aShortSecretIsRefused() {
        assertThatThrownBy(() -> new LinkTokens(new byte[16])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void precedenceOfAccess() {
        PortAccessPolicy policy = new PortAccessPolicy(false, false, PortAccess.PRIVATE, "t", java.util.Map.of(
                3000, new PortAccessPolicy.PortRule(PortAccess.PUBLIC, null, null)), null);
        assertThat(policy.accessOf(3000)).isEqualTo(PortAccess.PUBLIC);
        assertThat(policy.accessOf(3001)).isEqualTo(PortAccess.PRIVATE);
        assertThat(policy.hasPrivatePorts()).isTrue();
        assertThat(PortAccessPolicy.openToAll().hasPrivatePorts()).isFalse();
        assertThat(PortAccessPolicy.e2bToken("t").accessOf(3000)).isEqualTo(PortAccess.PRIVATE);
        PortAccessPolicy.PortRule window = new PortAccessPolicy.PortRule(PortAccess.PUBLIC, Instant.parse("2026-01-01T00:00:10Z"), null);
        assertThat(window.closedBy(Instant.parse("2026-01-01T00:00:09Z"))).isNull();
        assertThat(window.closedBy(Instant.parse("2026-01-01T00:00:10Z"))).isEqualTo(Instant.parse("2026-01-01T00:00:10Z"));
        assertThat(policy.toString()).doesNotContain("=t,").contains("token=set");
    }
}
