package dev.cove.it.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cove.sdk.Access;
import dev.cove.sdk.AuditEvent;
import dev.cove.sdk.CommandHandle;
import dev.cove.sdk.CommandOptions;
import dev.cove.sdk.CoveConfig;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.errors.CoveException;
import dev.cove.sdk.errors.InvalidArgumentException;
import dev.cove.sdk.errors.NotFoundException;
import dev.cove.sdk.errors.PortNotReadyException;
import dev.cove.sdk.ports.ExposeOptions;
import dev.cove.sdk.ports.ExposedPort;
import dev.cove.sdk.ports.ListeningPort;
import dev.cove.sdk.ports.Ports;
import dev.cove.sdk.ports.Readiness;
import dev.cove.sdk.ports.ShareLink;
import dev.cove.sdk.ports.Wait;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The Java SDK's networking against a real {@code cove server} (docs/ports.md): listeners with their processes,
 * expose with readiness checks and its typed refusals, access policies (private, link, public) as the edge enforces
 * them, exposure windows, share links (create, use, list, revoke), unexpose, the audit log, the create builder's
 * {@code portAccess}, and the agent's whole story.
 */
class SdkExposeIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static SdkServer server;
    static CoveConfig config;
    static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        server = SdkServer.start("sdk-expose", "--default-port-access", "private"); // the shipped default
        config = server.config();
        http = HttpClient.newBuilder().sslContext(server.process.trustCoveCa()).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close(); // kills every sandbox it tracked, then checks for leftovers
    }

    /** Lives 15 minutes, so that links and windows of 10 minutes are not cut short by the sandbox's end. */
    Sandbox sandbox() { return server.track(Sandbox.builder().config(config).timeout(Duration.ofMinutes(15)).create()); }

    /** GET on a sandbox URL as a script would send it (JSON errors), with optional header pairs. */
    static HttpResponse<String> get(String url, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                .header("Accept", "application/json");
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String code(HttpResponse<String> r) throws Exception {
        JsonNode n = JSON.readTree(r.body());
        JsonNode c = n.get("code");
        return c != null && c.isTextual() ? c.asText() : n.path("error_code").asText(null);
    }

    static CommandHandle web(Sandbox sbx, int port, String bind) {
        return sbx.commands().start("python3 -m http.server " + port + " --bind " + bind + " --directory /tmp");
    }

    // ------------------------------------------------------------------ listing

    /** listening() reports pid, command, family and reachability; exposed() is empty until something is exposed. */
    @Test
    void listingShowsProcessesFamiliesAndReachability() {
        try (Sandbox sbx = sandbox()) {
            CommandHandle v4 = web(sbx, 8101, "0.0.0.0");
            CommandHandle v6 = web(sbx, 8102, "::");
            // bound (IP_FREEBIND) to an address the sandbox does not have: the edge cannot reach it
            sbx.commands().start("python3 -c \"import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_IP, 15, 1); "
                    + "s.bind(('10.255.255.1', 8103)); s.listen(); time.sleep(600)\"");
            sbx.waitForPort(8101);
            sbx.waitForPort(8102);
            sbx.waitForPort(8103);

            Ports.PortsInfo info = sbx.ports().list();
            assertThat(info.sandboxId()).isEqualTo(sbx.getSandboxId());
            assertThat(info.defaultAccess()).isEqualTo(Access.PRIVATE);
            assertThat(info.exposed()).isEmpty();
            assertThat(info.listening()).contains(new ListeningPort(8101, "0.0.0.0"), new ListeningPort(8102, "::"),
                    new ListeningPort(8103, "10.255.255.1"));
            ListeningPort p4 = find(info.listening(), 8101);
            assertThat(p4.family()).isEqualTo("ipv4");
            assertThat(p4.pid()).isEqualTo(v4.getPid());
            assertThat(p4.command()).contains("http.server").contains("8101");
            assertThat(p4.reachable()).isTrue();
            ListeningPort p6 = find(info.listening(), 8102);
            assertThat(p6.family()).isEqualTo("ipv6");
            assertThat(p6.pid()).isEqualTo(v6.getPid());
            assertThat(find(info.listening(), 8103).reachable()).isFalse();
            assertThat(sbx.ports().isListening(8101)).isTrue();
            assertThat(sbx.ports().isListening(8104)).isFalse();
            assertThat(sbx.ports().exposed()).isEmpty();
        }
    }

    static ListeningPort find(List<ListeningPort> ports, int port) {
        return ports.stream().filter(p -> p.port() == port).findFirst().orElseThrow();
    }

    // ------------------------------------------------------------------ expose and its refusals

    /** expose hands out a URL only once the port answers from outside, and says why not otherwise. */
    @Test
    void exposeChecksReadinessAndRefusesWithTheReason() {
        try (Sandbox sbx = sandbox()) {
            CommandHandle w = web(sbx, 8201, "0.0.0.0");
            sbx.waitForPort(8201);

            Instant t0 = Instant.now();
            assertThatThrownBy(() -> sbx.expose(8299, new ExposeOptions().timeout(Duration.ofSeconds(2))))
                    .isInstanceOfSatisfying(PortNotReadyException.class, e -> {
                        assertThat(e.status()).isEqualTo(409);
                        assertThat(e.reason()).isEqualTo(PortNotReadyException.Reason.PORT_NOT_LISTENING);
                        assertThat(e.code()).isEqualTo("port_not_listening");
                        assertThat(e.listening()).contains(8201);
                        assertThat(e.getMessage()).contains("8299");
                    });
            assertThat(Duration.between(t0, Instant.now())).as("the timeout is honoured").isLessThan(Duration.ofSeconds(15));

            assertThatThrownBy(() -> sbx.expose(8201, Access.PUBLIC,
                    Wait.forHttp("/missing").forStatusCode(200).withStartupTimeout(Duration.ofSeconds(2)), null))
                    .isInstanceOfSatisfying(PortNotReadyException.class, e -> {
                        assertThat(e.reason()).isEqualTo(PortNotReadyException.Reason.UNEXPECTED_STATUS);
                        assertThat(e.answeredStatus()).isEqualTo(404);
                        assertThat(e.expectedStatus()).isEqualTo(200);
                    });

            sbx.commands().start("python3 -c \"import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_IP, 15, 1); "
                    + "s.bind(('10.255.255.1', 8202)); s.listen(); time.sleep(600)\"");
            sbx.waitForPort(8202);
            assertThatThrownBy(() -> sbx.expose(8202, new ExposeOptions().timeout(Duration.ofSeconds(2))))
                    .isInstanceOfSatisfying(PortNotReadyException.class, e -> {
                        assertThat(e.reason()).isEqualTo(PortNotReadyException.Reason.PORT_UNREACHABLE);
                        assertThat(e.address()).isEqualTo("10.255.255.1");
                    });

            CommandHandle dying = sbx.commands().start("sleep 1; exit 3");
            Instant t1 = Instant.now();
            assertThatThrownBy(() -> sbx.expose(8203, new ExposeOptions().process(dying).timeout(Duration.ofSeconds(30))))
                    .isInstanceOfSatisfying(PortNotReadyException.class, e -> {
                        assertThat(e.reason()).isEqualTo(PortNotReadyException.Reason.PROCESS_EXITED);
                        assertThat(e.pid()).isEqualTo(dying.getPid());
                        assertThat(e.exitCode()).isEqualTo(3);
                    });
            assertThat(Duration.between(t1, Instant.now())).as("an exited process fails expose at once")
                    .isLessThan(Duration.ofSeconds(15));
            assertThat(sbx.ports().exposed()).as("a refused port is not exposed").isEmpty();

            // success: HTTP readiness with any status below 500, and the answer says until when
            ExposedPort e = sbx.expose(8201, new ExposeOptions().access(Access.PUBLIC).readiness(Readiness.http("/missing"))
                    .ttl(Duration.ofMinutes(2)).process(w));
            assertThat(e.port()).isEqualTo(8201);
            assertThat(e.url()).isEqualTo(sbx.getUrl(8201));
            assertThat(e.policy()).isEqualTo(Access.PUBLIC);
            assertThat(e.isOpen()).isTrue();
            assertThat(e.exposedUntil()).isBetween(Instant.now().plusSeconds(100), Instant.now().plusSeconds(125));
            assertThat(e.expiresAt()).isEqualTo(e.exposedUntil());
            assertThat(e.link()).isNull();

            assertThatThrownBy(() -> sbx.expose(8201, new ExposeOptions().timeout(Duration.ofSeconds(301))))
                    .isInstanceOf(InvalidArgumentException.class);
        }
    }

    // ------------------------------------------------------------------ policies as the edge enforces them

    /** private needs the traffic token (any carrier), public needs nothing, unexpose closes, link makes a link. */
    @Test
    void policiesAreEnforcedByTheEdge() throws Exception {
        try (Sandbox sbx = sandbox()) {
            web(sbx, 8301, "0.0.0.0");
            sbx.waitForPort(8301);
            assertThat(sbx.getTrafficAccessToken()).as("ports are private by default, so there is a token").isNotBlank();
            assertThat(sbx.getDefaultPortAccess()).isEqualTo(Access.PRIVATE);

            ExposedPort priv = sbx.expose(8301, Access.PRIVATE);
            assertThat(priv.policy()).isEqualTo(Access.PRIVATE);
            assertThat(priv.token()).isEqualTo(sbx.getTrafficAccessToken());
            assertThat(priv.exposedUntil()).isNull();
            Instant endAt = sbx.getInfo().endAt();
            assertThat(priv.expiresAt()).as("no window: the sandbox's end").isBetween(endAt.minusSeconds(1), endAt.plusSeconds(1));
            String url = priv.url();

            HttpResponse<String> none = get(url);
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(code(none)).isEqualTo("token_required");
            HttpResponse<String> wrong = get(url, "X-Cove-Access-Token", "nope");
            assertThat(wrong.statusCode()).isEqualTo(403);
            assertThat(code(wrong)).isEqualTo("token_invalid");
            assertThat(wrong.body()).doesNotContain("nope");
            assertThat(get(url, "e2b-traffic-access-token", priv.token()).statusCode()).isEqualTo(200);
            assertThat(get(url, "Authorization", "Bearer " + priv.token()).statusCode()).isEqualTo(200);
            assertThat(get(url, "X-Cove-Access-Token", priv.token()).statusCode()).isEqualTo(200);

            ExposedPort pub = sbx.expose(8301, Access.PUBLIC);
            assertThat(pub.policy()).isEqualTo(Access.PUBLIC);
            assertThat(get(url).statusCode()).isEqualTo(200);
            assertThat(sbx.ports().exposed()).singleElement().satisfies(x -> {
                assertThat(x.policy()).isEqualTo(Access.PUBLIC);
                assertThat(x.state()).isEqualTo("open");
                assertThat(x.url()).isEqualTo(url);
            });

            sbx.unexpose(8301);
            HttpResponse<String> closed = get(url, "e2b-traffic-access-token", priv.token());
            assertThat(closed.statusCode()).isEqualTo(403);
            assertThat(code(closed)).isEqualTo("exposure_expired");
            assertThat(sbx.ports().exposed()).singleElement().satisfies(x -> assertThat(x.state()).isEqualTo("closed"));

            ExposedPort viaLink = sbx.expose(8301, Access.LINK);
            assertThat(viaLink.policy()).isEqualTo(Access.LINK);
            ShareLink link = viaLink.link();
            assertThat(link).as("access link always creates a link").isNotNull();
            assertThat(link.lifetime()).isTrue();
            assertThat(link.token()).startsWith("cove_link_");
            assertThat(link.url()).startsWith(url).contains("cove_token=" + link.token());
            assertThat(get(link.url()).statusCode()).as("a script is served directly").isEqualTo(200);
            assertThat(get(url, "Authorization", "Bearer " + link.token()).statusCode()).isEqualTo(200);
            assertThat(get(url).statusCode()).isEqualTo(401);

            // a browser navigation trades the token in the address bar for a host-scoped cookie
            HttpResponse<String> nav = http.send(HttpRequest.newBuilder(URI.create(link.url())).header("Accept", "text/html")
                    .header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(nav.statusCode()).isEqualTo(303);
            assertThat(nav.headers().firstValue("Location").orElse("")).doesNotContain("cove_token");
            String cookie = nav.headers().firstValue("Set-Cookie").orElse("");
            assertThat(cookie).startsWith("__Host-cove_access=" + link.token()).contains("HttpOnly").contains("Secure");
            assertThat(get(url, "Cookie", "__Host-cove_access=" + link.token()).statusCode()).isEqualTo(200);
        }
    }

    /** An exposure window ends with 403 exposure_expired; a link's TTL with 403 token_expired. */
    @Test
    void windowsAndLinkTtlsExpire() throws Exception {
        try (Sandbox sbx = sandbox()) {
            web(sbx, 8401, "0.0.0.0");
            sbx.waitForPort(8401);
            ExposedPort e = sbx.expose(8401, new ExposeOptions().access(Access.PRIVATE).ttl(Duration.ofSeconds(3)));
            ShareLink shortLink = sbx.ports().share(8401, Duration.ofSeconds(2));
            assertThat(shortLink.lifetime()).isFalse();
            assertThat(shortLink.expiresAt()).isBefore(Instant.now().plusSeconds(5));
            assertThat(get(shortLink.url()).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> get(shortLink.url()).statusCode() == 403);
            HttpResponse<String> expired = get(shortLink.url());
            assertThat(code(expired)).isIn("token_expired", "exposure_expired");
            await().atMost(Duration.ofSeconds(10)).until(() -> get(e.url(), "e2b-traffic-access-token", e.token()).statusCode() == 403);
            assertThat(code(get(e.url(), "e2b-traffic-access-token", e.token()))).isEqualTo("exposure_expired");
            assertThat(sbx.ports().exposed()).singleElement().satisfies(x -> assertThat(x.state()).isEqualTo("expired"));

            // exposing again opens a new window
            sbx.expose(8401, Access.PRIVATE);
            assertThat(get(e.url(), "e2b-traffic-access-token", e.token()).statusCode()).isEqualTo(200);
        }
    }

    // ------------------------------------------------------------------ links

    /** share, list (without tokens), revoke one (then 403 link_revoked), unknown link typed, revokeAll counts. */
    @Test
    void linksAreListedAndRevoked() throws Exception {
        try (Sandbox sbx = sandbox()) {
            web(sbx, 8501, "0.0.0.0");
            sbx.waitForPort(8501);
            ExposedPort e = sbx.expose(8501, Access.PRIVATE);
            ShareLink a = e.share(Duration.ofMinutes(10));
            ShareLink b = e.share();
            ShareLink c = sbx.ports().share(8501, Duration.ofMinutes(1));
            assertThat(List.of(a.id(), b.id(), c.id())).doesNotHaveDuplicates().allMatch(id -> id.startsWith("lnk_"));
            assertThat(a.expiresAt()).isBetween(Instant.now().plusSeconds(590), Instant.now().plusSeconds(610));
            assertThat(b.lifetime()).isTrue();
            Instant endAt = sbx.getInfo().endAt();
            assertThat(b.expiresAt()).isBetween(endAt.minusSeconds(1), endAt.plusSeconds(1));

            List<ShareLink> listed = sbx.ports().links();
            assertThat(listed).extracting(ShareLink::id).containsExactlyInAnyOrder(a.id(), b.id(), c.id());
            assertThat(listed).allSatisfy(l -> {
                assertThat(l.token()).isNull();
                assertThat(l.port()).isEqualTo(8501);
                assertThat(l.revoked()).isFalse();
            });
            assertThat(sbx.ports().exposed().get(0).links()).extracting(ShareLink::id).contains(a.id(), b.id(), c.id());

            assertThat(get(a.url()).statusCode()).isEqualTo(200);
            sbx.ports().revoke(a.id());
            HttpResponse<String> revoked = get(a.url());
            assertThat(revoked.statusCode()).isEqualTo(403);
            assertThat(code(revoked)).isEqualTo("link_revoked");
            assertThat(revoked.body()).doesNotContain(a.token());
            assertThat(sbx.ports().links()).filteredOn(ShareLink::revoked).extracting(ShareLink::id).containsExactly(a.id());
            assertThat(get(b.url()).statusCode()).as("other links still work").isEqualTo(200);

            assertThatThrownBy(() -> sbx.ports().revoke("lnk_doesnotexist"))
                    .isInstanceOf(NotFoundException.class)
                    .satisfies(x -> assertThat(((CoveException) x).code()).isEqualTo("link_not_found"));
            assertThat(sbx.ports().revokeAll()).isEqualTo(2);
            assertThat(code(get(b.url()))).isEqualTo("link_revoked");
            assertThat(code(get(c.url()))).isEqualTo("link_revoked");
            assertThat(get(e.url(), "e2b-traffic-access-token", e.token()).statusCode()).as("the owner's token still works")
                    .isEqualTo(200);

            // unexpose stops every link of the port
            ShareLink d = e.share();
            assertThat(get(d.url()).statusCode()).isEqualTo(200);
            e.unexpose();
            assertThat(get(d.url()).statusCode()).isEqualTo(403);
        }
    }

    /** The audit log records exposes, links and accesses (aggregated), oldest first. */
    @Test
    void auditRecordsWhatHappened() throws Exception {
        try (Sandbox sbx = sandbox()) {
            web(sbx, 8601, "0.0.0.0");
            sbx.waitForPort(8601);
            ExposedPort e = sbx.expose(8601, new ExposeOptions().access(Access.PRIVATE).link(Duration.ofMinutes(5)));
            ShareLink link = e.link();
            assertThat(link).isNotNull();
            assertThat(link.lifetime()).isFalse();
            for (int i = 0; i < 3; i++) assertThat(get(link.url()).statusCode()).isEqualTo(200);
            sbx.ports().revoke(link.id());
            sbx.unexpose(8601);

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                List<AuditEvent> events = sbx.audit();
                assertThat(events).extracting(AuditEvent::kind)
                        .contains("expose", "link_created", "link_revoked", "unexpose", "access");
                List<AuditEvent> viaLink = events.stream().filter(x -> "access".equals(x.kind()) && "link".equals(x.access())).toList();
                assertThat(viaLink).allSatisfy(access -> {
                    assertThat(access.port()).isEqualTo(8601);
                    assertThat(access.status()).isEqualTo(200);
                });
                // one row per minute: three requests may fall on both sides of a minute's end
                assertThat(viaLink.stream().mapToInt(AuditEvent::count).sum()).isGreaterThanOrEqualTo(3);
                assertThat(events.stream().filter(x -> "link_created".equals(x.kind())).findFirst().orElseThrow().linkId())
                        .isEqualTo(link.id());
                // oldest first; access events are counted per minute and carry that minute, so only the others are exact
                List<AuditEvent> exact = events.stream().filter(x -> !"access".equals(x.kind())).toList();
                for (int i = 1; i < exact.size(); i++) assertThat(exact.get(i).at()).isAfterOrEqualTo(exact.get(i - 1).at());
            });
            assertThat(sbx.audit(1)).hasSize(1);
        }
    }

    // ------------------------------------------------------------------ create

    /** portAccess at create: a public default opens every port without expose; a port's own policy wins. */
    @Test
    void createTakesPortAccess() throws Exception {
        try (Sandbox sbx = server.track(Sandbox.builder().config(config).portAccess(Access.PUBLIC)
                .portAccess(8702, Access.PRIVATE).create())) {
            assertThat(sbx.getDefaultPortAccess()).isEqualTo(Access.PUBLIC);
            assertThat(sbx.getTrafficAccessToken()).as("port 8702 is private, so there is a token").isNotBlank();
            web(sbx, 8701, "0.0.0.0");
            web(sbx, 8702, "0.0.0.0");
            sbx.waitForPort(8701);
            sbx.waitForPort(8702);
            assertThat(get(sbx.getUrl(8701)).statusCode()).isEqualTo(200);
            assertThat(get(sbx.getUrl(8702)).statusCode()).isEqualTo(401);
            assertThat(get(sbx.getUrl(8702), "e2b-traffic-access-token", sbx.getTrafficAccessToken()).statusCode()).isEqualTo(200);
            assertThat(sbx.ports().list().defaultAccess()).isEqualTo(Access.PUBLIC);
        }
        try (Sandbox all = server.track(Sandbox.builder().config(config).portAccess(Access.PUBLIC).create())) {
            assertThat(all.getTrafficAccessToken()).as("every port public: no token").isNull();
        }
    }

    /** Calls on an ended sandbox say it is gone; its audit trail stays readable (as long as its tombstone). */
    @Test
    void anEndedSandboxIsNotFound() {
        Sandbox sbx = sandbox();
        sbx.commands().start("python3 -m http.server 8801");
        sbx.waitForPort(8801);
        sbx.expose(8801, Access.PUBLIC);
        sbx.kill();
        assertThat(sbx.audit()).extracting(AuditEvent::kind).contains("expose");
        assertThatThrownBy(() -> sbx.expose(3000)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> sbx.ports().list()).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> sbx.ports().share(3000)).isInstanceOf(NotFoundException.class);
    }

    // ------------------------------------------------------------------ the story

    /**
     * The agent's story: create, write an app, start it in the background, wait for the port, expose it privately
     * with a 10-minute link, fetch through the link, revoke it and be refused, kill, and see the URL answer 410.
     */
    @Test
    void theAgentStory() throws Exception {
        String url;
        String linkUrl;
        try (Sandbox app = server.track(Sandbox.builder().config(config).metadata("story", "expose")
                .timeout(Duration.ofMinutes(30)).create())) {
            HelloApp.write(app);
            List<String> log = new CopyOnWriteArrayList<>();
            CommandHandle server = app.commands().start("python3 app/server.py", new CommandOptions().onStderr(log::add));
            app.waitForPort(3000);

            ExposedPort web = app.expose(3000, new ExposeOptions()
                    .access(Access.PRIVATE)
                    .link(Duration.ofMinutes(10))
                    .readiness(Wait.forHttp("/").forStatusCode(200).withStartupTimeout(Duration.ofSeconds(30)))
                    .process(server));
            url = web.url();
            ShareLink link = web.link();
            linkUrl = link.url();
            assertThat(url).isEqualTo("https://" + app.getHost(3000) + "/");
            assertThat(link.expiresAt()).isBetween(Instant.now().plusSeconds(590), Instant.now().plusSeconds(610));

            HttpResponse<String> r = get(linkUrl);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(HelloApp.BODY);
            await().atMost(Duration.ofSeconds(5)).until(() -> String.join("", log).contains("GET /"));
            assertThat(String.join("", log)).as("the app never sees the token").doesNotContain(link.token());
            assertThat(get(url).statusCode()).as("without the link: refused").isEqualTo(401);

            app.ports().revoke(link.id());
            HttpResponse<String> refused = get(linkUrl);
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(code(refused)).isEqualTo("link_revoked");
        }
        for (String u : List.of(url, linkUrl)) {
            HttpResponse<String> gone = get(u);
            assertThat(gone.statusCode()).isEqualTo(410);
            assertThat(code(gone)).isEqualTo("sandbox_ended");
        }
    }
}
