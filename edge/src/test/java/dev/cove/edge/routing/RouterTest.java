package dev.cove.edge.routing;

import dev.cove.core.CoveException;
import dev.cove.core.routing.PortAccessPolicy;
import dev.cove.core.routing.LinkTokens;
import dev.cove.core.routing.PortAccess;
import dev.cove.core.routing.SandboxDirectory;
import dev.cove.core.routing.SandboxRoute;
import dev.cove.edge.security.PortAccessCheck;
import dev.cove.edge.upstream.UpstreamDialer;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ImmediateEventExecutor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Every host form and decision of the {@link Router}, as a table: request in, decision out (rendered as one line, so
 * a case states exactly what the router did). Each row stands for a rule; removing the rule changes its row's answer.
 */
class RouterTest {
    static final String DOMAIN = "cove.localhost";
    static final Instant NOW = Instant.parse("2026-11-26T16:00:00Z");
    static final String TOKEN = "t".repeat(64);
    static final String RUNNING = "runningsbx01";
    static final String PRIVATE = "privatesbx01";
    static final String PAUSED = "pausedsbx001";
    static final String SLEEPY = "sleepysbx001";
    static final String ENDED = "endedsbx0001";
    static final String BROKEN = "brokensbx001";
    static final String MISSING = "missingsbx01";
    static final String REMOTE = "remotesbx001";
    static final String REMOTE_PAUSED = "remotepause1";
    static final java.net.InetSocketAddress NODE_TWO = new java.net.InetSocketAddress("127.0.0.2", 8080);
    static final LinkTokens LINKS;
    static {
        byte[] secret = new byte[32];
        Arrays.fill(secret, (byte) 7);
        LINKS = new LinkTokens(secret);
    }
    static final String LINK = LINKS.mint(PRIVATE, 3000, "lnk_a", null);
    static final String OTHER_PORT_LINK = LINKS.mint(PRIVATE, 3001, "lnk_a", null);

    /** The control plane, as a dialer the decisions can be told apart by. */
    record Named(String name) implements UpstreamDialer {
        @Override
        public io.netty.util.concurrent.Future<io.netty.channel.Channel> dial(io.netty.channel.EventLoop loop,
                                                                              io.netty.channel.ChannelHandler handler) {
            return ImmediateEventExecutor.INSTANCE.newFailedFuture(new UnsupportedOperationException());
        }
    }

    static final CompletionStage<Void> WOKEN = CompletableFuture.completedFuture(null);

    static final SandboxDirectory DIRECTORY = new SandboxDirectory() {
        final Map<String, SandboxRoute> routes = Map.of(
                RUNNING, route(RUNNING, SandboxRoute.State.RUNNING, null, false, "app.internal:${PORT}"),
                PRIVATE, route(PRIVATE, SandboxRoute.State.RUNNING,
                        new PortAccessPolicy(false, false, PortAccess.PRIVATE, TOKEN, null,
                                Map.of("lnk_a", new PortAccessPolicy.LinkGrant(3000, null, false))), false, null),
                PAUSED, route(PAUSED, SandboxRoute.State.PAUSED, null, false, null),
                SLEEPY, route(SLEEPY, SandboxRoute.State.PAUSED, PortAccessPolicy.e2bToken(TOKEN), true, null),
                ENDED, new SandboxRoute(ENDED, SandboxRoute.State.ENDED, null, NOW, "killed"),
                REMOTE, SandboxRoute.elsewhere(REMOTE, SandboxRoute.State.RUNNING, NODE_TWO),
                REMOTE_PAUSED, SandboxRoute.elsewhere(REMOTE_PAUSED, SandboxRoute.State.PAUSED, NODE_TWO));

        @Override
        public SandboxRoute lookup(String sandboxId) {
            if (sandboxId.equals(BROKEN)) throw new IllegalStateException("directory down");
            return routes.get(sandboxId);
        }

        @Override
        public CompletionStage<Void> wake(String sandboxId) { return WOKEN; }
    };

    static SandboxRoute route(String id, SandboxRoute.State state, PortAccessPolicy policy, boolean autoResume, String mask) {
        return new SandboxRoute(id, state, "/run/netns/" + id, null, null, mask, policy, autoResume);
    }

    final Router router = new Router(DOMAIN, DIRECTORY, new Named("control-plane"), (route, port) -> {
        if (port == 9999) throw new CoveException(502, "port_not_listening", "nothing listens on " + port);
        return new Named("sandbox " + route.sandboxId() + ":" + port);
    }, new PortAccessCheck(LINKS, Clock.fixed(NOW, ZoneOffset.UTC)));

    static Stream<Arguments> decisions() {
        return Stream.of(
                // the control plane: api.<domain>, the bare domain, localhost and IP literals (what E2B_SANDBOX_URL names)
                arguments("api host", get("api.cove.localhost"), "proxy control-plane"),
                arguments("api host, port and trailing dot", get("API.cove.localhost.:8443"), "proxy control-plane"),
                arguments("bare domain", get("cove.localhost"), "proxy control-plane"),
                arguments("localhost", get("localhost:8080"), "proxy control-plane"),
                arguments("IPv4 literal", get("127.0.0.1:8080"), "proxy control-plane"),
                arguments("IPv6 literal", get("[::1]:8080"), "proxy control-plane"),
                // names the edge does not serve (DNS rebinding): 421
                arguments("foreign host", get("evil.example"), "refuse 421 misdirected_request"),
                arguments("domain as a suffix of a foreign label", get("xcove.localhost"), "refuse 421 misdirected_request"),
                arguments("domain inside a foreign name", get("3000-" + RUNNING + ".cove.localhost.evil.example"),
                        "refuse 421 misdirected_request"),
                // <port>-<id>.<domain>, with E2B's client-suffixed form
                arguments("sandbox port", get("3000-" + RUNNING + ".cove.localhost"),
                        "proxy sandbox " + RUNNING + ":3000 to " + RUNNING + ":3000 via public host app.internal:3000"),
                arguments("sandbox port, client-suffixed", get("3000-" + RUNNING + "-clientid.cove.localhost:8443"),
                        "proxy sandbox " + RUNNING + ":3000 to " + RUNNING + ":3000 via public host app.internal:3000"),
                arguments("agent port", get("49983-" + RUNNING + ".cove.localhost"), "proxy control-plane agent " + RUNNING),
                arguments("malformed label", get("sandbox-x.cove.localhost"), "refuse 400 invalid_sandbox_port"),
                arguments("no port label", get("plain.cove.localhost"), "refuse 400 invalid_host"),
                arguments("port out of range", get("70000-" + RUNNING + ".cove.localhost"), "refuse 400 invalid_sandbox_port"),
                // E2B's header routing on a shared host
                arguments("headers on localhost", get("localhost", "E2b-Sandbox-Id", RUNNING, "E2b-Sandbox-Port", "3000"),
                        "proxy sandbox " + RUNNING + ":3000 to " + RUNNING + ":3000 via public host app.internal:3000"),
                arguments("headers on sandbox.<domain>", get("sandbox.cove.localhost", "E2b-Sandbox-Id", RUNNING, "E2b-Sandbox-Port", "8080"),
                        "proxy sandbox " + RUNNING + ":8080 to " + RUNNING + ":8080 via public host app.internal:8080"),
                arguments("one header only", get("localhost", "E2b-Sandbox-Id", RUNNING), "refuse 400 missing_header"),
                arguments("headers on a sandbox host are ignored", get("3000-" + RUNNING + ".cove.localhost", "E2b-Sandbox-Port", "8080"),
                        "proxy sandbox " + RUNNING + ":3000 to " + RUNNING + ":3000 via public host app.internal:3000"),
                // the sandbox's state
                arguments("unknown sandbox", get("3000-" + MISSING + ".cove.localhost"), "refuse 404 sandbox_not_found"),
                arguments("unknown sandbox, agent port", get("49983-" + MISSING + ".cove.localhost"), "refuse 502 sandbox_not_found"),
                arguments("ended sandbox", get("3000-" + ENDED + ".cove.localhost"), "refuse 410 sandbox_ended"),
                arguments("paused sandbox", get("3000-" + PAUSED + ".cove.localhost"), "refuse 409 sandbox_paused"),
                arguments("paused sandbox, agent port", get("49983-" + PAUSED + ".cove.localhost"), "refuse 502 sandbox_not_found"),
                arguments("autoResume, allowed request", get("3000-" + SLEEPY + ".cove.localhost", "e2b-traffic-access-token", TOKEN),
                        "wake " + SLEEPY + ":3000"),
                arguments("autoResume, refused request", get("3000-" + SLEEPY + ".cove.localhost"), "refuse 403 token_required denied"),
                arguments("autoResume, agent port", get("49983-" + SLEEPY + ".cove.localhost"), "wake " + SLEEPY + ":49983"),
                // a sandbox another cluster node holds: to that node's edge, as sent (it checks access, wakes, dials)
                arguments("other node's sandbox port", get("3000-" + REMOTE + ".cove.localhost"),
                        "forward " + REMOTE + ":3000 to /127.0.0.2:8080"),
                arguments("other node's agent port", get("49983-" + REMOTE + ".cove.localhost"),
                        "forward " + REMOTE + ":49983 to /127.0.0.2:8080"),
                arguments("other node's paused sandbox", get("3000-" + REMOTE_PAUSED + ".cove.localhost"),
                        "forward " + REMOTE_PAUSED + ":3000 to /127.0.0.2:8080"),
                arguments("directory fails", get("3000-" + BROKEN + ".cove.localhost"), "refuse 500 internal_error"),
                arguments("port refused by the dialer", get("9999-" + RUNNING + ".cove.localhost"), "refuse 502 port_not_listening"),
                // who may pass to a private port
                arguments("private, no credential", get("3000-" + PRIVATE + ".cove.localhost"), "refuse 401 token_required denied"),
                arguments("private, traffic token", get("3000-" + PRIVATE + ".cove.localhost", "e2b-traffic-access-token", TOKEN),
                        "proxy sandbox " + PRIVATE + ":3000 to " + PRIVATE + ":3000 via token"),
                arguments("private, share link", get("3000-" + PRIVATE + ".cove.localhost", "X-Cove-Access-Token", LINK),
                        "proxy sandbox " + PRIVATE + ":3000 to " + PRIVATE + ":3000 via link lnk_a"),
                arguments("private, another port's link", get("3000-" + PRIVATE + ".cove.localhost", "X-Cove-Access-Token", OTHER_PORT_LINK),
                        "refuse 403 token_invalid denied"),
                arguments("private, link in a browser's query", browse("3000-" + PRIVATE + ".cove.localhost", "/a?cove_token=" + LINK),
                        "redirect " + PRIVATE + ":3000 to /a via link lnk_a"),
                arguments("private, cookie, same-site write", post("3000-" + PRIVATE + ".cove.localhost", "https://3000-" + PRIVATE + ".cove.localhost"),
                        "proxy sandbox " + PRIVATE + ":3000 to " + PRIVATE + ":3000 via link lnk_a"),
                arguments("private, cookie, cross-site write", post("3000-" + PRIVATE + ".cove.localhost", "https://3000-" + RUNNING + ".cove.localhost"),
                        "refuse 403 cross_origin_refused denied"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decisions")
    void routes(String form, Request request, String decision) {
        assertThat(describe(router.route(request.http(), true, request.browser(), new Router.TargetCache()))).isEqualTo(decision);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decisions")
    void aConnectionsCachedTargetDecidesAlike(String form, Request request, String decision) {
        Router.TargetCache cache = new Router.TargetCache();
        router.route(request.http(), true, request.browser(), cache); // a first request on the connection parses the target
        assertThat(describe(router.route(request.http(), true, request.browser(), cache))).isEqualTo(decision);
    }

    /** A request the table can build afresh for each run (routing takes credentials out of it). */
    record Request(String method, String host, String uri, boolean browser, String... headers) {
        HttpRequest http() {
            HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), uri);
            r.headers().set("Host", host);
            for (int i = 0; i < headers.length; i += 2) r.headers().add(headers[i], headers[i + 1]);
            return r;
        }

        @Override
        public String toString() { return method + " " + host + uri; }
    }

    static Request get(String host, String... headers) { return new Request("GET", host, "/", false, headers); }

    static Request browse(String host, String uri) {
        return new Request("GET", host, uri, true, "User-Agent", "Mozilla/5.0", "Accept", "text/html");
    }

    /** A form post carrying only Cove's cookie (a share link's token), from {@code origin}. */
    static Request post(String host, String origin) {
        return new Request("POST", host, "/", false, "Cookie", "__Host-cove_access=" + LINK, "Origin", origin);
    }

    static String describe(Router.Decision decision) {
        return switch (decision) {
            case Router.Proxy p when p.sandbox() == null -> "proxy " + ((Named) p.dialer()).name();
            case Router.Proxy p when p.agent() -> "proxy " + ((Named) p.dialer()).name() + " agent " + p.sandbox().sandboxId();
            case Router.Proxy p -> "proxy " + ((Named) p.dialer()).name() + " to " + p.sandbox().sandboxId() + ":" + p.sandbox().port()
                    + " via " + p.access().via() + (p.access().linkId() == null ? "" : " " + p.access().linkId())
                    + (p.route().maskedHost(p.sandbox().port()) == null ? "" : " host " + p.route().maskedHost(p.sandbox().port()));
            case Router.Forward f -> "forward " + f.sandbox().sandboxId() + ":" + f.sandbox().port() + " to "
                    + ((dev.cove.edge.upstream.SocketDialer) f.dialer()).address();
            case Router.Refuse r -> "refuse " + r.error().status() + " " + r.error().code() + (r.accessDenied() ? " denied" : "");
            case Router.Wake w -> "wake " + w.sandbox().sandboxId() + ":" + w.sandbox().port();
            case Router.Redirect r -> "redirect " + r.sandbox().sandboxId() + ":" + r.sandbox().port() + " to "
                    + r.redirect().location() + " via " + r.redirect().via() + " " + r.redirect().linkId();
        };
    }
}
