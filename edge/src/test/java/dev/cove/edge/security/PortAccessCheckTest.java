package dev.cove.edge.security;

import dev.cove.core.routing.PortAccessPolicy;
import dev.cove.core.routing.LinkTokens;
import dev.cove.core.routing.PortAccess;
import dev.cove.core.routing.SandboxRoute;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The access decision for one request, every carrier and refusal, without a network. */
class PortAccessCheckTest {
    static final Instant NOW = Instant.parse("2026-11-26T16:00:00Z");
    static final String ID = "i5z0abcdefgh";
    static final String TOKEN = "a".repeat(64);
    static final LinkTokens LINKS;
    static {
        byte[] secret = new byte[32];
        Arrays.fill(secret, (byte) 3);
        LINKS = new LinkTokens(secret);
    }
    final PortAccessCheck check = new PortAccessCheck(LINKS, Clock.fixed(NOW, ZoneOffset.UTC));

    static SandboxRoute route(PortAccessPolicy policy) {
        return new SandboxRoute(ID, SandboxRoute.State.RUNNING, "/run/netns/x", null, null, null, policy, false);
    }

    static PortAccessPolicy privateWith(Map<Integer, PortAccessPolicy.PortRule> ports, Map<String, PortAccessPolicy.LinkGrant> links) {
        return new PortAccessPolicy(false, false, PortAccess.PRIVATE, TOKEN, ports, links);
    }

    static HttpRequest get(String uri, String... headers) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        r.headers().set("Host", "3000-" + ID + ".cove.localhost:8443");
        for (int i = 0; i < headers.length; i += 2) r.headers().add(headers[i], headers[i + 1]);
        return r;
    }

    PortAccessCheck.Outcome run(PortAccessPolicy policy, HttpRequest request) {
        return check.check(route(policy), 3000, request, true, false);
    }

    static String code(PortAccessCheck.Outcome o) {
        assertThat(o).isInstanceOf(PortAccessCheck.Refuse.class);
        return ((PortAccessCheck.Refuse) o).error().code();
    }

    @Test
    void privateAnswers401WithoutAnd403WithAWrongToken() {
        PortAccessCheck.Outcome none = run(privateWith(null, null), get("/"));
        assertThat(code(none)).isEqualTo("token_required");
        assertThat(((PortAccessCheck.Refuse) none).error().status()).isEqualTo(401);
        assertThat(code(run(privateWith(null, null), get("/", "e2b-traffic-access-token", "b".repeat(64))))).isEqualTo("token_invalid");
        assertThat(run(privateWith(null, null), get("/", "e2b-traffic-access-token", TOKEN)))
                .isEqualTo(new PortAccessCheck.Pass("token", null));
    }

    @Test
    void e2bModeKeepsE2bsOwnAnswers() {
        PortAccessCheck.Outcome none = run(PortAccessPolicy.e2bToken(TOKEN), get("/"));
        assertThat(((PortAccessCheck.Refuse) none).error().status()).isEqualTo(403);
        assertThat(((PortAccessCheck.Refuse) none).error().message()).contains("is missing");
    }

    @Test
    void onlyCovesOwnBearerTokenIsTakenOut() {
        HttpRequest ours = get("/", "Authorization", "Bearer " + TOKEN);
        assertThat(run(privateWith(null, null), ours)).isInstanceOf(PortAccessCheck.Pass.class);
        assertThat(ours.headers().contains("Authorization")).isFalse();

        HttpRequest theirs = get("/", "Authorization", "Bearer app-token", "e2b-traffic-access-token", TOKEN);
        assertThat(run(privateWith(null, null), theirs)).isInstanceOf(PortAccessCheck.Pass.class);
        assertThat(theirs.headers().get("Authorization")).isEqualTo("Bearer app-token");
        assertThat(code(run(privateWith(null, null), get("/", "Authorization", "Bearer app-token")))).isEqualTo("token_required");

        PortAccessPolicy open = new PortAccessPolicy(false, false, PortAccess.PUBLIC, TOKEN, null, null);
        HttpRequest onPublic = get("/", "Authorization", "Bearer " + LINKS.mint(ID, 3000, "lnk_x", null));
        assertThat(run(open, onPublic)).isEqualTo(new PortAccessCheck.Pass("public", null));
        assertThat(onPublic.headers().contains("Authorization")).as("a Cove token never reaches the app").isFalse();
        HttpRequest appsOwn = get("/", "Authorization", "Bearer app-token");
        run(open, appsOwn);
        assertThat(appsOwn.headers().get("Authorization")).isEqualTo("Bearer app-token");
    }

    @Test
    void aLinkInTheQueryIsTakenOutAndABrowserGetsACookieAndARedirect() {
        String link = LINKS.mint(ID, 3000, "lnk_a", NOW.plusSeconds(600));
        PortAccessPolicy policy = privateWith(null, Map.of("lnk_a", new PortAccessPolicy.LinkGrant(3000, NOW.plusSeconds(600), false)));

        HttpRequest program = get("/app?x=1&cove_token=" + link + "&y=2");
        assertThat(run(policy, program)).isEqualTo(new PortAccessCheck.Pass("link", "lnk_a"));
        assertThat(program.uri()).isEqualTo("/app?x=1&y=2");

        HttpRequest browser = get("/app?cove_token=" + link);
        PortAccessCheck.Outcome nav = check.check(route(policy), 3000, browser, true, true);
        assertThat(nav).isInstanceOf(PortAccessCheck.Redirect.class);
        PortAccessCheck.Redirect redirect = (PortAccessCheck.Redirect) nav;
        assertThat(redirect.location()).isEqualTo("/app");
        assertThat(redirect.setCookie()).isEqualTo("__Host-cove_access=" + link + "; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=600");

        assertThat(run(policy, get("/", "Cookie", "a=b; __Host-cove_access=" + link))).isEqualTo(new PortAccessCheck.Pass("link", "lnk_a", true));
    }

    @Test
    void linksOfAnotherPortExpiredRevokedOrUnknownAreRefused() {
        Map<String, PortAccessPolicy.LinkGrant> grants = Map.of(
                "lnk_a", new PortAccessPolicy.LinkGrant(3001, null, false),
                "lnk_old", new PortAccessPolicy.LinkGrant(3000, NOW.minusSeconds(1), false),
                "lnk_gone", new PortAccessPolicy.LinkGrant(3000, null, true));
        PortAccessPolicy policy = privateWith(null, grants);
        assertThat(code(run(policy, get("/", "X-Cove-Access-Token", LINKS.mint(ID, 3001, "lnk_a", null))))).isEqualTo("token_invalid");
        assertThat(code(run(policy, get("/", "X-Cove-Access-Token", LINKS.mint(ID, 3000, "lnk_old", NOW.minusSeconds(1))))))
                .isEqualTo("token_expired");
        assertThat(code(run(policy, get("/", "X-Cove-Access-Token", LINKS.mint(ID, 3000, "lnk_gone", null))))).isEqualTo("link_revoked");
        assertThat(code(run(policy, get("/", "X-Cove-Access-Token", LINKS.mint(ID, 3000, "lnk_unknown", null))))).isEqualTo("token_invalid");
        assertThat(code(run(policy, get("/", "X-Cove-Access-Token", LINKS.mint("other", 3000, "lnk_a", null))))).isEqualTo("token_invalid");
    }

    @Test
    void aClosedOrEndedExposureRefusesEvenTheToken() {
        PortAccessPolicy closed = privateWith(Map.of(3000, new PortAccessPolicy.PortRule(PortAccess.PUBLIC, null, NOW.minusSeconds(5))), null);
        assertThat(code(run(closed, get("/", "e2b-traffic-access-token", TOKEN)))).isEqualTo("exposure_expired");
        PortAccessPolicy over = privateWith(Map.of(3000, new PortAccessPolicy.PortRule(PortAccess.PUBLIC, NOW, null)), null);
        PortAccessCheck.Refuse refused = (PortAccessCheck.Refuse) run(over, get("/"));
        assertThat(refused.error().details()).containsEntry("reason", "window_ended");
        PortAccessPolicy open = privateWith(Map.of(3000, new PortAccessPolicy.PortRule(PortAccess.PUBLIC, NOW.plusSeconds(1), null)), null);
        assertThat(run(open, get("/"))).isEqualTo(new PortAccessCheck.Pass("public", null));
    }

    /** Over TLS only the __Host- cookie counts: a plain-named one could have been tossed in by a sibling host. */
    @Test
    void onlyTheHostPrefixedCookieIsReadWhereBrowsersKeepIt() {
        String link = LINKS.mint(ID, 3000, "lnk_a", null);
        PortAccessPolicy policy = privateWith(null, Map.of("lnk_a", new PortAccessPolicy.LinkGrant(3000, null, false)));
        assertThat(code(run(policy, get("/", "Cookie", "cove_access=" + link)))).isEqualTo("token_required");
        assertThat(code(run(policy, get("/", "Cookie", "__host-cove_access=" + link)))).as("names are case-sensitive").isEqualTo("token_required");
        assertThat(run(policy, get("/", "Cookie", "__Host-cove_access=" + link))).isEqualTo(new PortAccessCheck.Pass("link", "lnk_a", true));

        // Plain HTTP on a name that is not localhost: no Secure possible, so the plain name is set and read there.
        HttpRequest plain = get("/x?cove_token=" + link);
        plain.headers().set("Host", "3000-" + ID + ".cove.example:8080");
        PortAccessCheck.Redirect redirect = (PortAccessCheck.Redirect) check.check(route(policy), 3000, plain, false, true);
        assertThat(redirect.setCookie()).isEqualTo("cove_access=" + link + "; Path=/; HttpOnly; SameSite=Lax");
        HttpRequest plainCookie = get("/", "Cookie", "cove_access=" + link);
        plainCookie.headers().set("Host", "3000-" + ID + ".cove.example:8080");
        assertThat(check.check(route(policy), 3000, plainCookie, false, false)).isEqualTo(new PortAccessCheck.Pass("link", "lnk_a", true));
        // Plain HTTP on *.localhost: browsers keep Secure there, so it is the __Host- cookie as over TLS.
        HttpRequest local = get("/x?cove_token=" + link);
        local.headers().set("Host", "3000-" + ID + ".cove.localhost:8080");
        assertThat(((PortAccessCheck.Redirect) check.check(route(policy), 3000, local, false, true)).setCookie())
                .startsWith("__Host-cove_access=").contains("; Secure");
    }

    /** The 303 after the exchange stays on the host: a path only, never //host, /\host or a scheme. */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0} -> {1}")
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "/app|/app", "/app?x=1|/app?x=1", "/|/", "//evil.invalid/x|/", "/\\evil.invalid/x|/", "/\t/evil.invalid|/",
            "http://evil.invalid/x|/x", "https://evil.invalid|/", "evil|/", "/a//b|/a//b"})
    void theRedirectIsAPathOnTheSameHost(String uriWithoutToken, String location) {
        String link = LINKS.mint(ID, 3000, "lnk_a", null);
        PortAccessPolicy policy = privateWith(null, Map.of("lnk_a", new PortAccessPolicy.LinkGrant(3000, null, false)));
        String uri = uriWithoutToken + (uriWithoutToken.contains("?") ? "&" : "?") + "cove_token=" + link;
        PortAccessCheck.Outcome nav = check.check(route(policy), 3000, get(uri), true, true);
        assertThat(((PortAccessCheck.Redirect) nav).location()).isEqualTo(location);
        assertThat(PortAccessCheck.sameHostLocation(uriWithoutToken)).isEqualTo(location);
    }
}
